//go:build !linux

package cmdexec

import "syscall"

// killTree sends sig to the process group of the task whose process leads
// it. Finding the processes that left the group needs Linux's /proc: here
// they are not signalled.
func killTree(root int, sig syscall.Signal) error {
	return signalGroup(root, sig)
}
