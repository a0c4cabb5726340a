package pg

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/imgform/imgform/internal/state"
)

// The advisory lock's key: two int4, the schema's and the workspace's
// hashes, so that a lock on one workspace never blocks another, nor
// another schema's runs.
const (
	tryLockSQL = `SELECT pg_try_advisory_lock(hashtext('imgform:' || $1), hashtext($2))`
	unlockSQL  = `SELECT pg_advisory_unlock(hashtext('imgform:' || $1), hashtext($2))`
)

// sessionLock is a held lock: the advisory lock of a session of its own,
// which ends with the process, and the row naming the holder. The session
// is also where the holder's fenced writes run (its saves, its pending
// journal records): they can only commit while the session, and so the
// lock, lives.
type sessionLock struct {
	b    *Backend
	info state.LockInfo
	*state.Watch

	mu   sync.Mutex // one use of conn at a time
	conn *pgx.Conn  // nil once let go
	once sync.Once
	err  error
}

func (l *sessionLock) Info() state.LockInfo { return l.info }

// heldSQL is true when the session running it holds the workspace's
// advisory lock.
const heldSQL = `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
	AND classid = hashtext('imgform:' || $1)::oid AND objid = hashtext($2)::oid AND objsubid = 2)`

// Held asks the lock's own session whether it holds the lock.
func (l *sessionLock) Held(ctx context.Context) error {
	return l.fenced(ctx, func(*pgx.Conn) error { return nil })
}

// fenced runs fn on the lock's session once that session shows it holds
// the lock. A session that is gone, or that no longer holds it, is a
// lost lock (*state.LockLostError), and fn does not run.
func (l *sessionLock) fenced(ctx context.Context, fn func(conn *pgx.Conn) error) error {
	if err := l.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return &state.LockLostError{Where: l.b.where, Reason: "it was let go"}
	}
	var held bool
	err := l.conn.QueryRow(ctx, heldSQL, l.b.schema, l.b.workspace).Scan(&held)
	switch {
	case err != nil:
		return l.lost(ctx, err)
	case !held:
		return l.lost(ctx, nil)
	}
	if err := fn(l.conn); err != nil {
		if l.conn.IsClosed() {
			return l.lost(ctx, err)
		}
		return err
	}
	return nil
}

// lost records that the lock is gone, found by a request that failed
// with err (nil: the session lives but no longer holds it). A request
// that merely timed out proves nothing either way, and is lost too: the
// lock cannot be shown to be held. l.mu is held.
func (l *sessionLock) lost(ctx context.Context, err error) error {
	reason := "its database session no longer holds it"
	switch {
	case l.conn.IsClosed():
		reason = "its database session ended: the server restarted, or force-unlock ended it"
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		reason = "the database did not answer in time, so the lock cannot be shown to be held"
	case err != nil:
		reason = "the database cannot tell that it is held"
	}
	lost := &state.LockLostError{Where: l.b.where, Reason: reason, Err: err}
	l.Fail(lost)
	return lost
}

// Lock takes the workspace's lock on a connection of its own. While it
// is held, this handle's saves and pending journal records run on that
// connection, fenced by it.
func (b *Backend) Lock(ctx context.Context, opts state.LockOptions) (state.Lock, error) {
	info := state.NewLockInfo(opts.Operation)
	l, err := state.WaitForLock(ctx, opts, func() (state.Lock, error) { return b.tryLock(ctx, info) })
	if err != nil {
		return nil, err
	}
	sl := l.(*sessionLock)
	b.mu.Lock()
	b.held = sl
	b.mu.Unlock()
	sl.Start(func(ctx context.Context) error { return sl.Held(ctx) })
	return sl, nil
}

func (b *Backend) tryLock(ctx context.Context, info state.LockInfo) (*sessionLock, error) {
	// The lock's record is the first write: the schema is made for it.
	if err := b.ensure(ctx); err != nil {
		return nil, err
	}
	ctx, cancel := b.request(ctx)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, b.config.ConnConfig)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", b.where, b.explain(ctx, err))
	}
	var got bool
	if err := conn.QueryRow(ctx, tryLockSQL, b.schema, b.workspace).Scan(&got); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("locking %s: %w", b.where, b.explain(ctx, err))
	}
	if !got {
		conn.Close(context.WithoutCancel(ctx))
		return nil, &state.LockedError{Where: b.where, Holder: b.holder(ctx), Session: true}
	}
	// The row names the holder for whoever finds the state locked. A row
	// a dead holder left is replaced: the advisory lock, not the row, is
	// the lock.
	_, err = conn.Exec(ctx, `INSERT INTO `+b.table("locks")+` (workspace, id, operation, pid, host, username, created, backend_pid)
		VALUES ($1, $2, $3, $4, $5, $6, $7, pg_backend_pid())
		ON CONFLICT (workspace) DO UPDATE SET id = $2, operation = $3, pid = $4, host = $5, username = $6, created = $7, backend_pid = pg_backend_pid()`,
		b.workspace, info.ID, info.Operation, info.PID, info.Host, info.User, info.Created)
	if err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("locking %s: %w", b.where, b.explain(ctx, err))
	}
	return &sessionLock{b: b, conn: conn, info: info, Watch: state.NewWatch()}, nil
}

// holder reads the row naming the lock's holder; nil when there is none.
func (b *Backend) holder(ctx context.Context) *state.LockInfo {
	var h state.LockInfo
	err := b.pool.QueryRow(ctx, `SELECT id, operation, pid, host, username, created FROM `+b.table("locks")+` WHERE workspace = $1`, b.workspace).
		Scan(&h.ID, &h.Operation, &h.PID, &h.Host, &h.User, &h.Created)
	if err != nil {
		return nil
	}
	h.Created = h.Created.UTC()
	return &h
}

// Unlock removes the holder's row and ends the session, which lets go of
// the advisory lock even when the unlock itself cannot be sent.
func (l *sessionLock) Unlock() error {
	l.once.Do(func() {
		l.Stop()
		l.b.mu.Lock()
		if l.b.held == l {
			l.b.held = nil
		}
		l.b.mu.Unlock()
		l.mu.Lock()
		conn := l.conn
		l.conn = nil
		l.mu.Unlock()
		if conn == nil || conn.IsClosed() {
			return // lost: the session, and the lock with it, are gone
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.b.timeout)
		defer cancel()
		_, err := conn.Exec(ctx, `DELETE FROM `+l.b.table("locks")+` WHERE workspace = $1 AND id = $2`, l.b.workspace, l.info.ID)
		if err == nil {
			_, err = conn.Exec(ctx, unlockSQL, l.b.schema, l.b.workspace)
		}
		if cerr := conn.Close(ctx); err == nil {
			err = cerr
		}
		if err != nil {
			l.err = fmt.Errorf("releasing the lock of %s (its session is closed, which releases it): %w", l.b.where, err)
		}
	})
	return l.err
}

// ForceUnlock ends the session of the holder whose lock has the id given.
// A holder whose session is still connected is alive: it is ended only
// with opts.Force (its run notices within a second and stops paying for
// images). A holder that died needs nothing: its lock went with it, and
// only its row is left.
func (b *Backend) ForceUnlock(ctx context.Context, id string, opts state.ForceOptions) error {
	if !b.exists() {
		return fmt.Errorf("the state in %s is not locked", b.where)
	}
	ctx, cancel := b.request(ctx)
	defer cancel()
	var lockID string
	var backendPID int32
	err := b.pool.QueryRow(ctx, `SELECT id, backend_pid FROM `+b.table("locks")+` WHERE workspace = $1`, b.workspace).Scan(&lockID, &backendPID)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("the state in %s is not locked", b.where)
	}
	if err != nil {
		return fmt.Errorf("reading the lock of %s: %w", b.where, b.explain(ctx, err))
	}
	held, err := b.lockHeld(ctx)
	if err != nil {
		return err
	}
	if !held {
		// The holder is gone: only its row is left.
		_, err := b.pool.Exec(ctx, `DELETE FROM `+b.table("locks")+` WHERE workspace = $1 AND id = $2`, b.workspace, lockID)
		if err != nil {
			return fmt.Errorf("removing the lock record of %s: %w", b.where, b.explain(ctx, err))
		}
		if !strings.EqualFold(lockID, id) {
			return fmt.Errorf("the state in %s is not locked (a record of a finished run was left, and is removed)", b.where)
		}
		return nil
	}
	h := b.holder(ctx)
	if !strings.EqualFold(lockID, id) {
		held := "another run"
		if h != nil {
			held = h.Describe()
		}
		return fmt.Errorf("the state's lock does not have the id %s; it is held for %s. Use the id from the message of the run that found the state locked", id, held)
	}
	if !opts.Force {
		alive := &state.HolderAliveError{Where: b.where, How: fmt.Sprintf("its database session (server pid %d) is connected", backendPID)}
		if h != nil {
			alive.Holder = *h
		}
		return alive
	}
	var ended bool
	if err := b.pool.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, backendPID).Scan(&ended); err != nil {
		return fmt.Errorf("ending the session that holds the lock of %s (it needs the right to signal it: the same role, or pg_signal_backend): %w", b.where, b.explain(ctx, err))
	}
	// The server lets go of the lock once the session is gone.
	for {
		held, err := b.lockHeld(ctx)
		if err != nil {
			return err
		}
		if !held {
			_, err := b.pool.Exec(ctx, `DELETE FROM `+b.table("locks")+` WHERE workspace = $1 AND id = $2`, b.workspace, lockID)
			return err
		}
		t := time.NewTimer(50 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("the session holding the lock of %s was asked to end, but still holds it after %s", b.where, b.timeout)
		case <-t.C:
		}
	}
}

// lockHeld reports whether some session holds the workspace's advisory
// lock, by taking it for a moment.
func (b *Backend) lockHeld(ctx context.Context) (bool, error) {
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		return false, fmt.Errorf("checking the lock of %s: %w", b.where, err)
	}
	defer conn.Release()
	var got bool
	if err := conn.QueryRow(ctx, tryLockSQL, b.schema, b.workspace).Scan(&got); err != nil {
		return false, fmt.Errorf("checking the lock of %s: %w", b.where, err)
	}
	if got {
		if _, err := conn.Exec(ctx, unlockSQL, b.schema, b.workspace); err != nil {
			conn.Conn().Close(ctx) // a session that may still hold it goes
			return false, fmt.Errorf("checking the lock of %s: %w", b.where, err)
		}
	}
	return !got, nil
}
