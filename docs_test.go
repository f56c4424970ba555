package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// documentedCommands returns every `confer …` line in the shell blocks of
// the README and docs/, with continuations joined, comments dropped, and
// optional parts ([--name N]) kept as if given.
func documentedCommands(t *testing.T) map[string]string {
	t.Helper()
	files, _ := filepath.Glob("docs/*.md")
	files = append(files, "README.md")
	cmds := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inShell, pending := false, ""
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			if strings.HasPrefix(line, "```") {
				inShell = !inShell && (line == "```sh" || line == "```bash" || line == "```shell")
				continue
			}
			if !inShell {
				continue
			}
			line = pending + strings.TrimSpace(line)
			if strings.HasSuffix(line, `\`) {
				pending = strings.TrimSuffix(line, `\`) + " "
				continue
			}
			pending = ""
			if i := strings.Index(line, " #"); i >= 0 {
				line = line[:i]
			}
			line = strings.TrimSpace(strings.TrimPrefix(line, "$ "))
			if strings.HasPrefix(line, "confer ") || line == "confer" {
				cmds[fmt.Sprintf("%s:%d", f, n)] = line
			}
		}
	}
	return cmds
}

var optional = regexp.MustCompile(`\[([^\[\]]*)\]`)

// words splits a documented command into arguments: optional parts are
// taken as given, "a|b" alternatives as the first, quotes honoured.
func words(line string) []string {
	line = optional.ReplaceAllString(line, "$1")
	var out []string
	for _, f := range shellFields(line) {
		if i := strings.Index(f, "|"); i > 0 && !strings.Contains(f, "://") {
			f = f[:i]
		}
		out = append(out, f)
	}
	return out
}

func shellFields(s string) []string {
	var out []string
	var cur strings.Builder
	quote := rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote = r
		case quote == 0 && r == ' ':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// TestDocumentedCommandsParse runs every documented command line through
// the real binary's argument parsing (CONFER_CHECK_ARGS), so the docs cannot
// show a command or flag that does not exist. What the commands do is
// tested elsewhere (serve, token, bot, admin, the window).
func TestDocumentedCommandsParse(t *testing.T) {
	cmds := documentedCommands(t)
	if len(cmds) < 10 {
		t.Fatalf("found only %d documented commands", len(cmds))
	}
	for where, line := range cmds {
		args := words(line)[1:]
		cmd := exec.Command(conferBin, args...)
		cmd.Env = append(os.Environ(), "CONFER_CHECK_ARGS=1", "XDG_CONFIG_HOME="+t.TempDir())
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: `%s` does not parse: %v\n%s", where, line, err, out)
		}
	}
}
