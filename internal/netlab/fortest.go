package netlab

import "errors"

// TB is the part of testing.TB that ForTest needs (this package does not
// import testing, so the bench can use it too).
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
	Cleanup(func())
}

// ForTest makes a lab for a test and removes it when the test ends, passed
// or failed. Where labs cannot run (not root, tools missing) the test is
// skipped with the reason.
func ForTest(t TB, name string) *Lab {
	t.Helper()
	l, err := New(name)
	if errors.Is(err, ErrUnavailable) {
		t.Skipf("skipped: %v", err)
	}
	if err != nil {
		t.Fatalf("network lab: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("removing %s: %v", l, err)
		}
	})
	return l
}
