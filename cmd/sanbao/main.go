// Command sanbao is Sanbao's one binary: the server, the command-line tools
// and the only place where the packages are wired together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"

	"sanbao/internal/apperr"
)

// command is one subcommand. parse reads its flags without running anything,
// so tests can build a configuration and run it themselves.
type command struct {
	name, summary string
	run           func(ctx context.Context, env *env, args []string) error
}

// env is what a command talks to.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	stdin          io.Reader // nil: os.Stdin
}

var commands []command

func register(c command) { commands = append(commands, c) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// SANBAO_CPUPROFILE=file writes a CPU profile of the whole command.
	if path := os.Getenv("SANBAO_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			code := Main(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
			pprof.StopCPUProfile()
			f.Close()
			os.Exit(code)
		}
	}
	os.Exit(Main(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}))
}

// Main runs a command line and returns the exit code.
func Main(ctx context.Context, args []string, e *env) int {
	sort.Slice(commands, func(i, j int) bool { return commands[i].name < commands[j].name })
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			if err == nil || errors.Is(err, flag.ErrHelp) {
				return 0
			}
			if errors.Is(err, errUsage) {
				return 2
			}
			fmt.Fprintln(e.stderr, "sanbao "+c.name+": "+userMessage(err))
			return 1
		}
	}
	fmt.Fprintf(e.stderr, "sanbao: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return 2
}

var errUsage = errors.New("usage")

// userMessage shows application errors in Chinese with their field detail;
// anything else as is (the command line is the operator's own terminal).
func userMessage(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		if ae.Code == apperr.Internal && ae.Err != nil {
			return ae.Err.Error()
		}
		return ae.Message
	}
	return err.Error()
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Sanbao 三保障 — 两不愁三保障及饮水安全排查、整改与防止返贫监测")
	fmt.Fprintln(w, "\nUsage: sanbao <command> [flags]   (sanbao <command> --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
}

// flagSet makes a flag set whose --help prints to stdout and returns ErrHelp.
func flagSet(e *env, name, usageLine string) *flag.FlagSet {
	fs := flag.NewFlagSet("sanbao "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fs.SetOutput(e.stdout)
		fmt.Fprintf(e.stdout, "Usage: sanbao %s %s\n\nFlags:\n", name, usageLine)
		fs.PrintDefaults()
	}
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return errUsage
	}
	return nil
}

// dbFlag adds --db with SANBAO_DB as its default.
func dbFlag(fs *flag.FlagSet, e *env) *string {
	def := e.getenv("SANBAO_DB")
	if def == "" {
		def = "sanbao.db"
	}
	return fs.String("db", def, "database: a SQLite file path, or a postgres:// URL (env SANBAO_DB)")
}

func logger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// Version is set at build time with -ldflags "-X main.Version=..."; otherwise
// the module's VCS information is used.
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", ""
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			return "dev-" + rev + dirty
		}
	}
	return "dev"
}

func init() {
	register(command{"version", "print the version", func(ctx context.Context, e *env, args []string) error {
		fs := flagSet(e, "version", "")
		if err := parse(fs, args); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "sanbao", version())
		return nil
	}})
}
