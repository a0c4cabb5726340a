package pg

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Delete removes the workspace this handle is for: its state and its
// journal, in one transaction. The caller holds its lock, and has made
// sure nothing in them is needed (imgform workspace delete).
func (b *Backend) Delete(ctx context.Context) error {
	if !b.exists() {
		return nil // no schema: nothing of the workspace is stored
	}
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		for _, table := range []string{"jobs", "images", "states"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+b.table(table)+` WHERE workspace = $1`, b.workspace); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("deleting %s: %w", b.where, err)
	}
	b.stored.Loaded(nil)
	b.mu.Lock()
	b.generation = 0
	b.mu.Unlock()
	return nil
}
