// Command netprobe is a container payload for the networking tests of the release bundles: a
// static pure-Go program (no libc, its own DNS resolver reading the container's resolv.conf).
//
//	netprobe serve PORT MESSAGE   answer every TCP connection on PORT with MESSAGE
//	netprobe get HOST:PORT        resolve HOST, connect, print what the server says
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: netprobe serve PORT MESSAGE | netprobe get HOST:PORT")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		if len(os.Args) != 4 {
			fmt.Fprintln(os.Stderr, "usage: netprobe serve PORT MESSAGE")
			os.Exit(2)
		}
		ln, err := net.Listen("tcp", ":"+os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, "netprobe:", err)
			os.Exit(1)
		}
		for {
			c, err := ln.Accept()
			if err != nil {
				fmt.Fprintln(os.Stderr, "netprobe:", err)
				os.Exit(1)
			}
			fmt.Fprintln(c, os.Args[3])
			c.Close()
		}
	case "get":
		var err error
		for i := 0; i < 50; i++ { // the server may still be starting
			var c net.Conn
			if c, err = net.DialTimeout("tcp", os.Args[2], 2*time.Second); err == nil {
				_, err = io.Copy(os.Stdout, c)
				c.Close()
				if err == nil {
					return
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
		fmt.Fprintln(os.Stderr, "netprobe:", err)
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, "netprobe: unknown command", os.Args[1])
		os.Exit(2)
	}
}
