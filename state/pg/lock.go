package pg

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/imgform/imgform/state"
)

// The advisory lock's key: two int4, the schema's and the workspace's
// hashes, so that a lock on one workspace never blocks another, nor
// another schema's runs.
const (
	tryLockSQL = `SELECT pg_try_advisory_lock(hashtext('imgform:' || $1), hashtext($2))`
	unlockSQL  = `SELECT pg_advisory_unlock(hashtext('imgform:' || $1), hashtext($2))`
)

// sessionLock is a held lock: the advisory lock of a session of its own,
// which ends with the process, and the row naming the holder.
type sessionLock struct {
	b    *Backend
	conn *pgx.Conn
	info state.LockInfo

	once sync.Once
	err  error
}

func (l *sessionLock) Info() state.LockInfo { return l.info }

// Lock takes the workspace's lock on a connection of its own.
func (b *Backend) Lock(ctx context.Context, opts state.LockOptions) (state.Lock, error) {
	info := state.NewLockInfo(opts.Operation)
	return state.WaitForLock(ctx, opts, func() (state.Lock, error) { return b.tryLock(ctx, info) })
}

func (b *Backend) tryLock(ctx context.Context, info state.LockInfo) (*sessionLock, error) {
	conn, err := pgx.ConnectConfig(ctx, b.config.ConnConfig)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", b.where, err)
	}
	var got bool
	if err := conn.QueryRow(ctx, tryLockSQL, b.schema, b.workspace).Scan(&got); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("locking %s: %w", b.where, err)
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
		return nil, fmt.Errorf("locking %s: %w", b.where, err)
	}
	return &sessionLock{b: b, conn: conn, info: info}, nil
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
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := l.conn.Exec(ctx, `DELETE FROM `+l.b.table("locks")+` WHERE workspace = $1 AND id = $2`, l.b.workspace, l.info.ID)
		if err == nil {
			_, err = l.conn.Exec(ctx, unlockSQL, l.b.schema, l.b.workspace)
		}
		if cerr := l.conn.Close(ctx); err == nil {
			err = cerr
		}
		if err != nil {
			l.err = fmt.Errorf("releasing the lock of %s (its session is closed, which releases it): %w", l.b.where, err)
		}
	})
	return l.err
}

// ForceUnlock ends the session of a holder that is stuck (a process that
// hangs, a network that does not drop the connection) when id is its
// lock's id. A holder that died needs nothing: its lock went with it.
func (b *Backend) ForceUnlock(ctx context.Context, id string) error {
	var lockID string
	var backendPID int32
	err := b.pool.QueryRow(ctx, `SELECT id, backend_pid FROM `+b.table("locks")+` WHERE workspace = $1`, b.workspace).Scan(&lockID, &backendPID)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("the state in %s is not locked", b.where)
	}
	if err != nil {
		return fmt.Errorf("reading the lock of %s: %w", b.where, err)
	}
	held, err := b.lockHeld(ctx)
	if err != nil {
		return err
	}
	if !held {
		// The holder is gone: only its row is left.
		_, err := b.pool.Exec(ctx, `DELETE FROM `+b.table("locks")+` WHERE workspace = $1 AND id = $2`, b.workspace, lockID)
		if err != nil {
			return fmt.Errorf("removing the lock record of %s: %w", b.where, err)
		}
		if !strings.EqualFold(lockID, id) {
			return fmt.Errorf("the state in %s is not locked (a record of a finished run was left, and is removed)", b.where)
		}
		return nil
	}
	if !strings.EqualFold(lockID, id) {
		h := b.holder(ctx)
		held := "another run"
		if h != nil {
			held = h.Describe()
		}
		return fmt.Errorf("the state's lock does not have the id %s; it is held for %s. Use the id from the message of the run that found the state locked", id, held)
	}
	var ended bool
	if err := b.pool.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, backendPID).Scan(&ended); err != nil {
		return fmt.Errorf("ending the session that holds the lock of %s (it needs the right to signal it: the same role, or pg_signal_backend): %w", b.where, err)
	}
	// The server lets go of the lock once the session is gone.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		held, err := b.lockHeld(ctx)
		if err != nil {
			return err
		}
		if !held {
			_, err := b.pool.Exec(ctx, `DELETE FROM `+b.table("locks")+` WHERE workspace = $1 AND id = $2`, b.workspace, lockID)
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the session holding the lock of %s was asked to end, but still holds it after 10s", b.where)
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
