package api

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

const realStatus = "Name:\tcat\nUmask:\t0022\nState:\tR (running)\nTgid:\t4242\nPid:\t4242\nPPid:\t1\n" +
	"Uid:\t1000\t1001\t1000\t1001\nGid:\t100\t101\t100\t101\nFDSize:\t64\nGroups:\t4 24 27 100 \nVmPeak:\t 5000 kB\n"

func TestParseProcStatus(t *testing.T) {
	st, err := parseProcStatus([]byte(realStatus))
	if err != nil {
		t.Fatal(err)
	}
	if st.euid != 1001 || st.egid != 101 || !reflect.DeepEqual(st.groups, []uint32{4, 24, 27, 100}) {
		t.Errorf("got %+v, want euid 1001 egid 101 groups [4 24 27 100]", st)
	}
	empty, err := parseProcStatus([]byte("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\n"))
	if err != nil || len(empty.groups) != 0 {
		t.Errorf("no supplementary groups: %+v %v", empty, err)
	}
	for _, tc := range []struct{ in, msg string }{
		{"Gid:\t0\t0\t0\t0\nGroups:\t1\n", "no Uid line"},
		{"Uid:\t0\t0\t0\t0\nGroups:\t1\n", "no Gid line"},
		{"Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", "no Groups line"},
		{"Uid:\t0\nGid:\t0\t0\t0\t0\nGroups:\n", "Uid line has 1 fields"},
		{"Uid:\t0\tx\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\n", `effective id "x"`},
		{"Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t1 -2\n", `Groups line: "-2"`},
		{"Uid:\t0\t99999999999\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\n", "effective id"},
	} {
		if _, err := parseProcStatus([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q: %v, want an error containing %q", tc.in, err, tc.msg)
		}
	}
}

func TestProcGroupsChecksIdentity(t *testing.T) {
	root := t.TempDir()
	if err := writeFile(root+"/4242/status", realStatus); err != nil {
		t.Fatal(err)
	}
	if g, err := procGroups(root, 4242, 1001, 101); err != nil || len(g) != 4 {
		t.Errorf("matching identity: %v %v, want 4 groups", g, err)
	}
	if _, err := procGroups(root, 4242, 1002, 101); err == nil || !strings.Contains(err.Error(), "pid reused") {
		t.Errorf("another uid at that pid: %v, want a pid-reused error", err)
	}
	if _, err := procGroups(root, 0, 0, 0); err == nil || !strings.Contains(err.Error(), "pid namespace") {
		t.Errorf("pid 0: %v, want a namespace error", err)
	}
	if _, err := procGroups(root, 7, 0, 0); err == nil {
		t.Errorf("missing status file: no error")
	}
}

func TestPolicy(t *testing.T) {
	pol := policy{ownUID: 900, readGID: 50, readName: "edge-agent", adminGID: 60, hasAdmin: true, admin: "edge-agent-admin"}
	for _, tc := range []struct {
		p    Peer
		want access
		why  string
	}{
		{Peer{UID: 0, GID: 5}, accessAdmin, "root"},
		{Peer{UID: 900, GID: 5}, accessAdmin, "own uid"},
		{Peer{UID: 1000, GID: 60}, accessAdmin, "admin group"},
		{Peer{UID: 1000, GID: 1000, Groups: []uint32{3, 60}}, accessAdmin, "admin group"},
		{Peer{UID: 1000, GID: 50}, accessRead, "socket group"},
		{Peer{UID: 1000, GID: 1000, Groups: []uint32{50}}, accessRead, "socket group"},
		{Peer{UID: 1000, GID: 1000, Groups: []uint32{51}}, accessNone, "not root"},
		{Peer{UID: 0, Err: errors.New("no creds")}, accessNone, "no creds"},
	} {
		got, why := pol.accessOf(tc.p)
		if got != tc.want || !strings.Contains(why, tc.why) {
			t.Errorf("accessOf(%+v) = %v %q, want %v %q", tc.p, got, why, tc.want, tc.why)
		}
	}
	noAdmin := policy{ownUID: 900, readGID: 50, readName: "edge-agent"}
	if got, _ := noAdmin.accessOf(Peer{UID: 1000, GID: 0}); got != accessNone {
		t.Errorf("without an admin group, gid 0 got %v, want none", got)
	}
}

func TestRouteMatch(t *testing.T) {
	rt := route{pattern: "/v1/models/{name}/infer", segs: strings.Split("/v1/models/{name}/infer", "/")}
	for _, tc := range []struct {
		path string
		name string
		ok   bool
	}{
		{"/v1/models/demo/infer", "demo", true},
		{"/v1/models/a%20b/infer", "a b", true},
		{"/v1/models/a%2Fb/infer", "a/b", true},
		{"/v1/models//infer", "", false},
		{"/v1/models/a/b/infer", "", false},
		{"/v1/models/%zz/infer", "", false},
		{"/v1/models/demo/infer/", "", false},
	} {
		v, ok := rt.match(tc.path)
		if ok != tc.ok || v["name"] != tc.name {
			t.Errorf("match(%q) = %v %v, want %q %v", tc.path, v, ok, tc.name, tc.ok)
		}
	}
}

func TestDecodeSamplesImageBomb(t *testing.T) {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	// Rewrite IHDR's width and height to 65535x65535 (and its CRC).
	p := b.Bytes()
	copy(p[16:24], []byte{0, 0, 0xff, 0xff, 0, 0, 0xff, 0xff})
	fixCRC(p[12 : 12+4+13])
	_, err := decodeSamples("image/png", p, time.Now())
	want := http.StatusRequestEntityTooLarge
	if strconv.IntSize == 32 {
		// image/png refuses the header itself where int has 32 bits
		// ("dimension overflow"): still refused before any allocation.
		want = http.StatusBadRequest
	}
	var e *Error
	if !errors.As(err, &e) || e.Status != want {
		t.Errorf("65535x65535 PNG: %v, want %d", err, want)
	}
}
