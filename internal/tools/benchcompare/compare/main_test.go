package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseFlagsDefaults(t *testing.T) {
	c, err := parseFlags(nil, io.Discard, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.threads, []int{1, 2}) || c.runs != 50 || c.warmup != 3 || c.repeat != 2 || c.timeout != 10*time.Minute {
		t.Fatalf("config = %+v", c)
	}
	if !reflect.DeepEqual(c.models, defaultModels) {
		t.Fatalf("models = %v", c.models)
	}
	if c, _ = parseFlags(nil, io.Discard, 1); !reflect.DeepEqual(c.threads, []int{1}) {
		t.Fatalf("one CPU: threads = %v, want [1]", c.threads)
	}
}

func TestParseFlags(t *testing.T) {
	c, err := parseFlags([]string{"-models", "a, b,,c", "-threads", "1,4", "-runs", "7", "-repeat", "3", "-json", "-no-node", "-warmup", "1"}, io.Discard, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.models, []string{"a", "b", "c"}) || !reflect.DeepEqual(c.threads, []int{1, 4}) ||
		c.runs != 7 || c.repeat != 3 || !c.asJSON || !c.noNode || c.warmup != 1 {
		t.Fatalf("config = %+v", c)
	}
	for _, bad := range [][]string{
		{"-threads", "0"}, {"-threads", "1,x"}, {"-runs", "0"}, {"-repeat", "0"}, {"-warmup", "0"}, {"extra"}, {"-bogus"},
	} {
		if _, err := parseFlags(bad, io.Discard, 2); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestRunBadCommandLine(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-threads", "zero"}, &out, &errb); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(errb.String(), "zero") || out.Len() != 0 {
		t.Fatalf("stdout %q, stderr %q", out.String(), errb.String())
	}
}

func TestNodeMajor(t *testing.T) {
	for in, want := range map[string]int{"v20.20.2\n": 20, "v18.0.0": 18, "v9.11.2": 9} {
		if got, err := nodeMajor(in); err != nil || got != want {
			t.Errorf("nodeMajor(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "20.1.0", "vX.1", "v-1.0"} {
		if _, err := nodeMajor(bad); err == nil {
			t.Errorf("nodeMajor(%q): no error", bad)
		}
	}
}

func TestLastLines(t *testing.T) {
	if got := lastLines("a\n\nb\n c \nd\n", 3); got != "b; c; d" {
		t.Fatalf("lastLines = %q", got)
	}
	if got := lastLines("", 3); got != "" {
		t.Fatalf("lastLines(empty) = %q", got)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
