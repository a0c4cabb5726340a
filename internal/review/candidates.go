package review

import (
	"fmt"
	"sort"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
)

// shot is one candidate of an image, as the page shows it: its number
// and seed, its images (one per sample) and, when the image has
// variants, the variants derived from it.
type shot struct {
	K        int
	Seed     int64
	Pics     []*picture
	Variants []*variantPic
	// Picked marks the candidate the picks file picks; Command is how to
	// pick it from a terminal.
	Picked  bool
	Command string
}

// candidate records what a preview made of one candidate of a change.
func (pg *Page) candidate(c *plan.Change, imgs []model.Image) error {
	s := &shot{K: c.Candidate, Seed: c.Request.Seed(), Command: fmt.Sprintf("imgform pick '%s' %d", c.Address, c.Candidate)}
	for _, img := range imgs {
		if len(img.Data) == 0 {
			continue
		}
		p, err := pg.store.add(img)
		if err != nil {
			return fmt.Errorf("%s candidate %d: %w", c.Address, c.Candidate, err)
		}
		s.Pics = append(s.Pics, p)
	}
	if len(c.Variants) > 0 {
		s.Variants = pg.deriveVariants(c, imgs)
	}
	pg.mu.Lock()
	defer pg.mu.Unlock()
	pg.shots[c.Address] = append(pg.shots[c.Address], s)
	sort.Slice(pg.shots[c.Address], func(i, j int) bool { return pg.shots[c.Address][i].K < pg.shots[c.Address][j].K })
	return nil
}

// otherCandidatesMade counts the candidates of a change, other than
// candidate 1 (the change's own image), whose images the page has: what a
// preview paid for besides the change. The caller holds pg.mu.
func (pg *Page) otherCandidatesMade(c *plan.Change) int {
	if len(c.Candidates) == 0 {
		return 0
	}
	paid := map[int]int{}
	for _, cand := range c.Candidates {
		paid[cand.K] = cand.Cost
	}
	n := 0
	for _, s := range pg.shots[c.Address] {
		if s.K > 1 && len(s.Pics) > 0 {
			n += paid[s.K]
		}
	}
	return n
}

// shotsOf are the candidates the page shows for a change, in order: the
// ones the preview made, and a stand-in for each it did not. The caller
// holds pg.mu.
func (pg *Page) shotsOf(c *plan.Change) []*shot {
	if len(c.Candidates) == 0 {
		return nil
	}
	made := map[int]*shot{}
	for _, s := range pg.shots[c.Address] {
		made[s.K] = s
	}
	var out []*shot
	for _, cand := range c.Candidates {
		s := made[cand.K]
		if s == nil {
			s = &shot{K: cand.K, Seed: cand.Request.Seed(), Command: fmt.Sprintf("imgform pick '%s' %d", c.Address, cand.K)}
		}
		s.Picked = c.Picked == cand.K
		out = append(out, s)
	}
	return out
}
