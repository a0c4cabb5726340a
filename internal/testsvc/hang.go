package testsvc

import "net"

// Hanging starts a server on a free loopback port that accepts
// connections and never answers (an endpoint that hangs), and returns its
// host:port and a function that stops it.
func Hanging() (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	done := make(chan struct{})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
		}
	}()
	return l.Addr().String(), func() { close(done); l.Close() }, nil
}
