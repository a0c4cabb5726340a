package pg

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/imgform/imgform/internal/state"
)

// journal is the workspace's rows of the jobs table.
type journal struct{ b *Backend }

// insertJobSQL records a job, or replaces its record.
const insertJobSQL = ` (workspace, id, submitted, record) VALUES ($1, $2, $3, $4)
	ON CONFLICT (workspace, id) DO UPDATE SET submitted = $3, record = $4`

// Record writes a job's record. A pending record is written on the lock's
// own session, once it shows it holds the lock: a run that lost its lock
// records nothing, and so sends nothing.
func (j *journal) Record(ctx context.Context, job state.JobRecord) error {
	rec, err := json.Marshal(job)
	if err != nil {
		return err
	}
	if err := j.b.ensure(ctx); err != nil {
		return err
	}
	ctx, cancel := j.b.request(ctx)
	defer cancel()
	sql := `INSERT INTO ` + j.b.table("jobs") + insertJobSQL
	if job.Pending {
		j.b.mu.Lock()
		held := j.b.held
		j.b.mu.Unlock()
		if held == nil {
			return &state.LockLostError{Where: j.b.where, Reason: "this run does not hold the state lock"}
		}
		return held.fenced(ctx, func(conn *pgx.Conn) error {
			if _, err := conn.Exec(ctx, sql, j.b.workspace, job.Job.ID, job.Job.Submitted, rec); err != nil {
				return fmt.Errorf("journaling job %s in %s: %w", job.Job.ID, j.b.where, j.b.explain(ctx, err))
			}
			return nil
		})
	}
	if _, err := j.b.pool.Exec(ctx, sql, j.b.workspace, job.Job.ID, job.Job.Submitted, rec); err != nil {
		return fmt.Errorf("journaling job %s in %s: %w", job.Job.ID, j.b.where, j.b.explain(ctx, err))
	}
	return nil
}

func (j *journal) Remove(ctx context.Context, id string) error {
	if !j.b.exists() {
		return nil // no schema: no journal, and nothing in it
	}
	ctx, cancel := j.b.request(ctx)
	defer cancel()
	if _, err := j.b.pool.Exec(ctx, `DELETE FROM `+j.b.table("jobs")+` WHERE workspace = $1 AND id = $2`, j.b.workspace, id); err != nil {
		return fmt.Errorf("removing journaled job %s from %s: %w", id, j.b.where, j.b.explain(ctx, err))
	}
	return nil
}

func (j *journal) List(ctx context.Context) ([]state.JobRecord, error) {
	if !j.b.exists() {
		return nil, nil
	}
	ctx, cancel := j.b.request(ctx)
	defer cancel()
	rows, err := j.b.pool.Query(ctx, `SELECT record FROM `+j.b.table("jobs")+` WHERE workspace = $1 ORDER BY submitted, id`, j.b.workspace)
	if err != nil {
		return nil, fmt.Errorf("reading the job journal of %s: %w", j.b.where, j.b.explain(ctx, err))
	}
	defer rows.Close()
	var out []state.JobRecord
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		var rec state.JobRecord
		if json.Unmarshal(raw, &rec) != nil || rec.Job.ID == "" {
			continue // not imgform's
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}
