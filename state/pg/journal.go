package pg

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/imgform/imgform/state"
)

// journal is the workspace's rows of the jobs table.
type journal struct{ b *Backend }

func (j *journal) Record(ctx context.Context, job state.JobRecord) error {
	rec, err := json.Marshal(job)
	if err != nil {
		return err
	}
	_, err = j.b.pool.Exec(ctx, `INSERT INTO `+j.b.table("jobs")+` (workspace, id, submitted, record) VALUES ($1, $2, $3, $4)
		ON CONFLICT (workspace, id) DO UPDATE SET submitted = $3, record = $4`, j.b.workspace, job.Job.ID, job.Job.Submitted, rec)
	if err != nil {
		return fmt.Errorf("journaling job %s in %s: %w", job.Job.ID, j.b.where, err)
	}
	return nil
}

func (j *journal) Remove(ctx context.Context, id string) error {
	if _, err := j.b.pool.Exec(ctx, `DELETE FROM `+j.b.table("jobs")+` WHERE workspace = $1 AND id = $2`, j.b.workspace, id); err != nil {
		return fmt.Errorf("removing journaled job %s from %s: %w", id, j.b.where, err)
	}
	return nil
}

func (j *journal) List(ctx context.Context) ([]state.JobRecord, error) {
	rows, err := j.b.pool.Query(ctx, `SELECT record FROM `+j.b.table("jobs")+` WHERE workspace = $1 ORDER BY submitted, id`, j.b.workspace)
	if err != nil {
		return nil, fmt.Errorf("reading the job journal of %s: %w", j.b.where, err)
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
