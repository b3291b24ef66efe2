package ota

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
)

// rawBlock returns a 512-byte ustar header written by hand, so that tests
// can make entries archive/tar's writer refuses to write.
func rawBlock(name string, typ byte, size int) []byte {
	b := make([]byte, 512)
	copy(b[0:100], name)
	copy(b[100:108], "0000644\x00")
	copy(b[108:116], "0000000\x00")
	copy(b[116:124], "0000000\x00")
	copy(b[124:136], fmt.Sprintf("%011o\x00", size))
	copy(b[136:148], fmt.Sprintf("%011o\x00", 0))
	b[156] = typ
	copy(b[257:263], "ustar\x00")
	copy(b[263:265], "00")
	copy(b[148:156], "        ")
	sum := 0
	for _, c := range b {
		sum += int(c)
	}
	copy(b[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return b
}

func padBlock(b []byte) []byte {
	if r := len(b) % 512; r != 0 {
		b = append(b, make([]byte, 512-r)...)
	}
	return b
}

func paxRecord(k, v string) string {
	line := " " + k + "=" + v + "\n"
	n := len(line)
	for {
		s := fmt.Sprintf("%d%s", n, line)
		if len(s) == n {
			return s
		}
		n = len(s)
	}
}

// TestVerifyRefusesSparse checks that a PAX sparse file, whose holes the
// tar reader would make up, is refused as bad_entry.
func TestVerifyRefusesSparse(t *testing.T) {
	priv, _ := testKey(1)
	good := crafted(t, priv, nil, func(es []entry) []entry { return es[:2] })
	// Cut the end-of-archive blocks and append a sparse labels.txt.
	body := bytes.TrimRight(good, "\x00")
	body = padBlock(body)
	recs := paxRecord("GNU.sparse.major", "1") + paxRecord("GNU.sparse.minor", "0") +
		paxRecord("GNU.sparse.name", "labels.txt") + paxRecord("GNU.sparse.realsize", "17")
	body = append(body, rawBlock("PaxHeaders/labels.txt", 'x', len(recs))...)
	body = append(body, padBlock([]byte(recs))...)
	data := padBlock([]byte("1\n0\n17\n"))
	data = append(data, "person\nno_person\n"...)
	body = append(body, rawBlock("labels.txt", '0', len(data))...)
	body = append(body, padBlock(data)...)
	body = append(body, make([]byte, 1024)...)

	stage := filepath.Join(t.TempDir(), "s")
	_, err := Verify(bytes.NewReader(body), goodOpts(), stage)
	if !Is(err, CodeBadEntry) {
		t.Fatalf("sparse entry: %v, want bad_entry", err)
	}
	if left := dirEntries(t, stage); len(left) != 0 {
		t.Fatalf("staging holds %v", left)
	}
}
