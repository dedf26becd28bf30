// The per-process module state of multiprocessing.process and the exit hook
// of multiprocessing.util: the name counter, the set of children, the current
// and parent process, and the children whose Process object is gone.
//
// All of it is guarded by one mutex, made fork-safe with pthread_atfork (the
// forking thread holds it across fork(), so the child never inherits it
// locked). The registry only ever touches a child's Popen, never the rest of
// its Process: a Process is registered by start() after its Popen exists,
// follows the object when it is moved (move_child), and is discarded (under
// the mutex) before close() or its destructor frees that Popen, and Popen is
// thread-safe. spec/cpp-thread-contract.md says what
// callers may share.
#pragma once

#include <memory>
#include <vector>

#include "multiprocessing/popen_fork.hpp"
#include "pyproc/multiprocessing/process.hpp"

namespace pyproc::detail {

// next(_process_counter): 1, 2, 3, ... in each process.
int next_process_count();

// _children.add / _children.discard. `popen` is the child's handle, which the
// registry polls; it must stay alive until discard_child(child).
void add_child(Process* child, Popen* popen);
void discard_child(Process* child);
// A registered Process moved from `from` to `to` (its Popen stays where it
// is): the entry names `to` from now on, changed under the mutex in one
// step, so no sweep lists both or neither. Nothing if `from` is not listed.
void move_child(Process* from, Process* to) noexcept;

// process._cleanup(): forgets children whose exit code is now known, and reaps
// children and orphans (below) that have ended. Cheap when none has: it looks
// (waitid(P_ALL, WNOHANG|WNOWAIT), which reaps nothing of anyone's) whether
// any child at all has ended, and only then asks every pidfd, in one poll().
void cleanup();

// Called by Popen when it learns an exit code, so that the next cleanup()
// forgets that child even though no ended child is left to be seen.
void note_child_ended() noexcept;

// Children in the order they were started (CPython's set has no useful order).
std::vector<Process*> children_snapshot();

// A Process destroyed while its child still runs hands the child over here.
// CPython cannot have this case: a started Process stays referenced from
// `_children` until its child is seen to have ended. To keep CPython's
// guarantees without the object, the registry keeps the Popen (pid, pidfd,
// the parent's pipe end, so the child still sees its parent alive) and:
// * reaps it in the next cleanup() after it ends (every start() and
//   active_children()), so a zombie lasts at most until then;
// * at exit terminates it if it was a daemon and waits for it, exactly as
//   _exit_function does for live children.
// It is not listed by active_children(): there is no object to return.
void adopt_orphan(std::unique_ptr<Popen> popen, bool daemon);

// What BaseProcess._bootstrap resets in a new child: counter back to 1, no
// children (the parent's children and orphans are not ours to wait for),
// `self` as current process, `parent` as parent process.
void enter_child(Process* self, ParentProcess parent);

// The Process that current_process() returns, nullptr for the MainProcess.
Process* current_override();

// util._exit_function(): once per process, terminate daemonic children, then
// join every child. Run by a child after run() and, through atexit, by a
// main program when it exits normally.
void exit_function();

// Registers exit_function() with std::atexit, once per program (a forked
// child inherits the registration).
void register_exit_function();

}  // namespace pyproc::detail
