package cli

import (
	"errors"
	"os"
	"syscall"
)

// serve is the program's Serve, or an error saying it has none.
func (p Program) serve(env Env) error {
	if p.Serve == nil {
		return errors.New("this program has no room server")
	}
	return p.Serve(env)
}

// ServeWith is `serve` for a program without the room server linked in:
// it runs the server program that find names (confer-server, beside this
// one) in this one's place, with the same arguments, output and process,
// so that `confer serve` keeps working as it did when the server was in
// confer itself.
func ServeWith(find func() (string, error)) func(Env) error {
	return func(env Env) error {
		path, err := find()
		if err != nil {
			return err
		}
		return syscall.Exec(path, append([]string{path, "serve"}, env.Args...), os.Environ())
	}
}
