# fish completion for imgform:
#   imgform completion fish > ~/.config/fish/completions/imgform.fish
#
# The candidates come from imgform itself (imgform __complete), so that
# they are the installed binary's commands, flags and image addresses.
function __imgform_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    $words[1] __complete $words[2..-1] "$cur" 2>/dev/null
end
complete -c imgform -f -a '(__imgform_complete)'
