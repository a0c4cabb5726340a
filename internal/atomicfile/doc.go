// Package atomicfile writes files so that a reader (or a crash) sees the
// old content or the new, never a mix: a temporary file in the same
// directory, fsync, rename over the target, fsync of the directory, as
// renameio does, the file getting its mode as the umask leaves it. It is
// one path for every atomic write, also of a file inside an os.Root
// (WriteFileIn); beside it, WriteGitignore keeps imgform's own folders
// out of git.
//
// It is a leaf: it imports nothing of imgform. Every package
// that writes a file the user or a later run relies on (the state, the
// outputs, the cache, the job journal) writes through it.
package atomicfile
