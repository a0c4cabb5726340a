# PowerShell completion for imgform:
#   imgform completion powershell | Out-String | Invoke-Expression
#
# The candidates come from imgform itself (imgform __complete), so that
# they are the installed binary's commands, flags and image addresses.
Register-ArgumentCompleter -Native -CommandName imgform -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements |
        Where-Object { $_.Extent.EndOffset -le $cursorPosition } |
        Select-Object -Skip 1 |
        ForEach-Object { $_.ToString() })
    if ($wordToComplete -eq '') { $words += '' }
    & $commandAst.CommandElements[0].ToString() __complete @words 2>$null | ForEach-Object {
        $text = $_
        if ($text -match '[\s"''\[\]`$]') { $text = "'" + ($text -replace "'", "''") + "'" }
        [System.Management.Automation.CompletionResult]::new($text, $_, 'ParameterValue', $_)
    }
}
