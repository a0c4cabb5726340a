# bash completion for imgform: source <(imgform completion bash)
#
# The candidates come from imgform itself (imgform __complete), so that
# they are the installed binary's commands, flags and image addresses.
_imgform() {
    local IFS=$'\n' c out
    COMPREPLY=()
    out=$("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
    for c in $out; do
        if [[ $c == *[\"\'\[\]\ \\]* ]]; then
            COMPREPLY+=("$(printf '%q' "$c")")
        else
            COMPREPLY+=("$c")
        fi
    done
}
complete -o default -F _imgform imgform
