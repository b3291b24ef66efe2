package procmem

import (
	"runtime"
	"strings"
	"testing"
)

const sampleStatus = `Name:	edge-agent
Umask:	0022
State:	S (sleeping)
VmPeak:	 1252420 kB
VmHWM:	   25616 kB
VmRSS:	   19216 kB
RssAnon:	   13536 kB
RssFile:	    5680 kB
RssShmem:	       0 kB
Threads:	5
`

func TestParseStatus(t *testing.T) {
	u, err := ParseStatus([]byte(sampleStatus))
	if err != nil {
		t.Fatal(err)
	}
	want := Usage{RSS: 19216 << 10, Peak: 25616 << 10, Anon: 13536 << 10, File: 5680 << 10}
	if u != want {
		t.Fatalf("got %+v, want %+v", u, want)
	}
	// Old kernels have no Rss* lines: VmRSS alone is enough.
	u, err = ParseStatus([]byte("VmHWM:\t 10 kB\nVmRSS:\t 8 kB\n"))
	if err != nil || u.RSS != 8<<10 || u.Peak != 10<<10 || u.Anon != 0 {
		t.Fatalf("got %+v, %v", u, err)
	}
	for _, bad := range []string{
		"",
		"VmHWM:\t 10 kB\n",             // no VmRSS
		"VmRSS:\t 8 MB\n",              // unit
		"VmRSS:\t -8 kB\n",             // sign
		"VmRSS:\t 8\n",                 // no unit
		"VmRSS:\t 99999999999999 kB\n", // absurd
		"VmRSS:\t 8 kB\nRssAnon:\t x kB\n",
	} {
		if u, err := ParseStatus([]byte(bad)); err == nil {
			t.Errorf("ParseStatus(%q) = %+v, want an error", bad, u)
		}
	}
}

func TestRead(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	u, err := Read()
	if err != nil {
		t.Fatal(err)
	}
	if u.RSS <= 0 || u.Peak < u.RSS || u.Anon <= 0 || u.File <= 0 || u.Anon+u.File+u.Shmem != u.RSS {
		t.Fatalf("implausible usage %+v", u)
	}
}

func FuzzParseStatus(f *testing.F) {
	f.Add([]byte(sampleStatus))
	f.Add([]byte("VmRSS: 1 kB"))
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := ParseStatus(b)
		if err != nil {
			return
		}
		if u.RSS < 0 || u.Peak < 0 || u.Anon < 0 || u.File < 0 || u.Shmem < 0 {
			t.Fatalf("negative field in %+v", u)
		}
		if !strings.Contains(string(b), "VmRSS:") {
			t.Fatalf("parsed %+v without a VmRSS line", u)
		}
	})
}
