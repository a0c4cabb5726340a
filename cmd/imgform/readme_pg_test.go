package main

import (
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/imgform/imgform/internal/testsvc"
)

// The README's PostgreSQL recipe works as pasted: its psql statements,
// one per -c, make a role and a database it owns, and imgform init with
// the README's PG_CONN_STR creates its schema there. The same two
// statements in one -c fail, which is why the README runs them apart.
//
// Run against the test's cluster: "sudo -u postgres" is left out (the
// test's psql connects as the cluster's superuser through PG*
// variables), the role and database are named imgform_recipe_* rather
// than imgform (the test cluster's superuser is imgform), and the
// connection string's host and port are the test cluster's.
func TestREADMEPostgreSQLRecipe(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("no psql here")
	}
	admin, err := url.Parse(testsvc.PostgreSQL(t))
	if err != nil {
		t.Fatal(err)
	}
	readme := readRepoFile(t, "README.md")
	stmts := regexp.MustCompile(`(?m)^sudo -u postgres psql -c "([^"]+)"$`).FindAllStringSubmatch(readme, -1)
	if len(stmts) != 2 {
		t.Fatalf("the README has %d lines sudo -u postgres psql -c \"...\", want 2 (the role, the database)", len(stmts))
	}
	conn := regexp.MustCompile("PG_CONN_STR=(postgres://imgform:[^@`]+@localhost:5432/imgform)`").FindStringSubmatch(readme)
	if conn == nil {
		t.Fatal("the README gives no PG_CONN_STR=postgres://imgform:PASSWORD@localhost:5432/imgform for the recipe")
	}
	name := "imgform_recipe_" + randomSuffix()
	rename := func(s string) string { return regexp.MustCompile(`\bimgform\b`).ReplaceAllString(s, name) }

	psqlIn := func(db, sql string) (string, error) {
		cmd := exec.Command(psql, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql)
		cmd.Env = append(os.Environ(), "PGHOST="+admin.Hostname(), "PGPORT="+admin.Port(), "PGUSER="+admin.User.Username(),
			"PGDATABASE="+db, "PGSSLMODE=disable")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	run := func(sql string) (string, error) { return psqlIn(strings.TrimPrefix(admin.Path, "/"), sql) }
	t.Cleanup(func() {
		run("DROP DATABASE IF EXISTS " + name)
		run("DROP ROLE IF EXISTS " + name)
	})

	// Together, in one -c: CREATE DATABASE refuses the transaction.
	together := rename(stmts[0][1]) + "; " + rename(stmts[1][1])
	if out, err := run(together); err == nil || !strings.Contains(out, "cannot run inside a transaction block") {
		t.Errorf("both statements in one psql -c: %v\n%s\nwant CREATE DATABASE to refuse the transaction block", err, out)
	}
	run("DROP ROLE IF EXISTS " + name) // what the failed transaction left, if anything

	// One at a time, as the README has them.
	for _, s := range stmts {
		if out, err := run(rename(s[1])); err != nil {
			t.Fatalf("psql -c %q: %v\n%s", rename(s[1]), err, out)
		}
	}

	pgConn, err := url.Parse(rename(conn[1]))
	if err != nil {
		t.Fatal(err)
	}
	pgConn.Host = admin.Host
	pgConn.RawQuery = "sslmode=disable"
	dir := writeConfig(t, map[string]string{"main.img.hcl": "imgform {\n  backend \"pg\" {}\n}\n" + oneImageConfig})
	out, code := runImgform(t, dir, []string{"PG_CONN_STR=" + pgConn.String()}, "init", "-input=false")
	if code != 0 || !strings.Contains(out, "The state is kept in") {
		t.Fatalf("imgform init with the recipe's role and database: exit %d\n%s", code, out)
	}
	owner, err := psqlIn(name, "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'imgform'")
	if err != nil || strings.TrimSpace(owner) != name {
		t.Errorf("the schema imgform in the recipe's database is owned by %q (%v), want the recipe's role %s", strings.TrimSpace(owner), err, name)
	}
}
