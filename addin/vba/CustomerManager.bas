Attribute VB_Name = "CustomerManager"
' Customer Manager ribbon callback.
'
' Every button on the Customer Manager tab calls RibbonClick. The button's tag names the command, and
' Python runs it on the active workbook through xlwings: custmgr_excel.ribbon.run(tag). Python shows its
' own messages (and keeps the details in its log file); this module only catches what goes wrong before
' Python starts, so a click never ends in the VBA debugger; and it clears the status bar once Python is done,
' even when Python had to stop without tidying up (QuickBooks not answering).
Option Explicit

Private Const TITLE As String = "Customer Manager"

Public Sub RibbonClick(control As IRibbonControl)
    On Error GoTo Failed
    If ActiveWorkbook Is Nothing Then
        MsgBox "Open a workbook (or create a new one), then click the button again.", vbInformation, TITLE
        Exit Sub
    End If
    RunPython RibbonCommand(control.Tag)
#If Not Mac Then
    Application.StatusBar = False ' Windows waits for Python; on a Mac Python is still running here
#End If
    Exit Sub
Failed:
    Application.StatusBar = False
    MsgBox "Customer Manager could not start Python: " & Err.Description & vbNewLine & vbNewLine & _
           "In a terminal, run: custmgr addin install" & vbNewLine & _
           "then restart Excel and try again. To read the add-in guide, which lists what else to check, run: " & _
           "custmgr addin guide", _
           vbExclamation, TITLE
End Sub

' The Python statement for one command. Single quotes only: xlwings passes it inside double quotes.
Public Function RibbonCommand(ByVal tag As String) As String
    RibbonCommand = "import custmgr_excel.ribbon as r; r.run('" & tag & "')"
End Function
