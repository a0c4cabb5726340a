#compdef imgform
# zsh completion for imgform: source <(imgform completion zsh) after
# compinit, or save it as _imgform in a folder of $fpath.
#
# The candidates come from imgform itself (imgform __complete), so that
# they are the installed binary's commands, flags and image addresses.
_imgform() {
    local -a candidates
    candidates=("${(@f)$("${words[1]}" __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    candidates=(${candidates:#})
    if (( ${#candidates} )); then
        compadd -- "${candidates[@]}"
    else
        _files
    fi
}
if [[ "${funcstack[1]}" == "_imgform" ]]; then
    _imgform "$@"
else
    compdef _imgform imgform
fi
