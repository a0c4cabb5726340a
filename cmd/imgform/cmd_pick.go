package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/picks"
	"github.com/imgform/imgform/internal/spec"
)

type pickOptions struct {
	seed  int64
	clear bool
}

func (o *pickOptions) AddFlags(fs *pflag.FlagSet) {
	fs.Int64Var(&o.seed, "seed", -1, "pick this seed instead of a candidate's (a seed found elsewhere)")
	fs.BoolVar(&o.clear, "clear", false, "remove the image's pick: candidate 1 is used again")
}

func pickCommand() *command {
	var o pickOptions
	return &command{
		Name:  "pick",
		Args:  "ADDRESS [K]",
		Short: "Pick one of an image's candidates: its seed becomes the image's",
		Long: `Record which candidate of an image with candidates = N to keep:
candidate K (1 to N, as imgform preview numbers them), or with --seed S
any seed. The pick is written to imgform.picks.json beside the
configuration (commit it with the specs); the image's seed is then the
pick's, also when its prompt changes later. A candidate preview generated
is in the cache: the next apply writes it without paying again. --clear
removes the pick. imgform preview --serve records picks through the same
code, from the review page.`,
		Flags: o.AddFlags,
		NArgs: func(n int) bool { return n == 1 || n == 2 },
		Run: func(ctx context.Context, e *env, args []string) error {
			return runPick(ctx, e, o, args)
		},
	}
}

func runPick(ctx context.Context, e *env, o pickOptions, args []string) error {
	// The picks file is what pick rewrites: a pick the configuration no
	// longer allows (candidates lowered) must not keep pick from fixing it.
	cfg, err := loadConfigWith(ctx, e, spec.Options{IgnorePicks: true})
	if err != nil {
		return err
	}
	k := 0
	switch {
	case o.clear && (len(args) == 2 || o.seed >= 0):
		return &cli.UsageError{Msg: "--clear takes an address alone", Path: "pick"}
	case o.clear:
	case len(args) == 2 && o.seed >= 0:
		return &cli.UsageError{Msg: "give a candidate K or --seed S, not both", Path: "pick"}
	case len(args) == 2:
		if k, err = strconv.Atoi(args[1]); err != nil {
			return &cli.UsageError{Msg: fmt.Sprintf("the candidate %q is not a number", args[1]), Path: "pick"}
		}
	case o.seed < 0:
		return &cli.UsageError{Msg: "give a candidate K (imgform pick ADDRESS K) or --seed S", Path: "pick"}
	}
	seed := &o.seed
	if o.seed < 0 {
		seed = nil
	}
	msg, err := recordPick(cfg, ".", args[0], k, seed, o.clear)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, msg)
	return nil
}

// recordPick writes a pick into the picks file in dir: candidate k of
// the image at addr, or the seed given, or (clear) none. It is the one
// way a pick is made: by imgform pick, and from the review page of
// preview --serve. It returns what it did, in a sentence.
func recordPick(cfg *spec.Config, dir, addr string, k int, seed *int64, clear bool) (string, error) {
	a, err := spec.ParseAddress(addr)
	if err != nil {
		return "", fmt.Errorf("%q is not an image address: %w", addr, err)
	}
	img := cfg.Lookup(a)
	switch {
	case img == nil:
		return "", fmt.Errorf("%s is not in the configuration", a)
	case img.Candidates == 0 && !clear:
		return "", fmt.Errorf("%s has no candidates: set candidates = N (2 to %d) in its block first", a, spec.MaxCandidates)
	}
	f, _, err := picks.Load(dir)
	if err != nil {
		return "", err
	}
	// A pick recorded under an address a moved block renamed is the
	// image's: it is replaced, not kept beside the new one.
	for _, m := range cfg.Moves {
		for old := range f.Picks {
			if oa, err := spec.ParseAddress(old); err == nil && (m.From == oa || (m.From.Kind == spec.NoKey && oa.Name == m.From.Name && m.To.Name == a.Name)) {
				delete(f.Picks, old)
			}
		}
	}
	var msg string
	switch {
	case clear:
		delete(f.Picks, a.String())
		msg = fmt.Sprintf("%s: pick removed; candidate 1 is used until one is picked.", a)
	case seed != nil:
		if *seed > img.Request.Schema().MaxSeed() {
			return "", fmt.Errorf("the seed %d is out of the model's range (0 to %d)", *seed, img.Request.Schema().MaxSeed())
		}
		f.Picks[a.String()] = picks.Pick{Seed: *seed}
		msg = fmt.Sprintf("%s: seed %d picked.", a, *seed)
	default:
		if k < 1 || k > img.Candidates {
			return "", fmt.Errorf("%s has candidates 1 to %d; there is no candidate %d", a, img.Candidates, k)
		}
		s := spec.CandidateSeed(img.Request.Schema(), a, k)
		f.Picks[a.String()] = picks.Pick{Candidate: k, Seed: s}
		msg = fmt.Sprintf("%s: candidate %d picked (seed %d).", a, k, s)
	}
	if err := f.Save(dir); err != nil {
		return "", err
	}
	return msg + " Recorded in " + picks.FileName + ": commit it with the configuration.", nil
}
