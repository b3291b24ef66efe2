// Package procmem reports the process's memory as Linux accounts it, and
// releases the pages of the executable that only start-up needed.
//
// # Why release start-up pages
//
// The kernel maps a file in windows of 64 KiB (fault-around): touching one
// byte of the executable makes the 16 pages around it resident. A Go program
// runs the init function of every package it links before main, and those
// functions lie all over the text, so start-up alone leaves most of a large
// static binary resident: about 10.5 MiB of the agent's 15 MB, although the
// code a running agent executes (inference kernels, the MQTT client, the
// outbox) spans far less. Those are clean pages of the page cache, shared
// and reclaimable, but they count in the process's RSS, and a device owner
// reads RSS.
//
// ReleaseExecutablePages tells the kernel (madvise MADV_DONTNEED) that the
// process no longer needs the read-only mappings of its own executable: the
// text and the read-only data. Nothing is lost: they are unmodified pages of
// the file, and whatever runs again is mapped back from the page cache on
// its next use (a minor fault). The writable data segment, the heap and
// every other mapping are left alone.
//
// Linux updates the peak (VmHWM) lazily, and madvise does not update it:
// read after a release, it can be lower than the RSS just before. Release
// keeps the usage from just before, so that reports take the larger peak
// (Release.Peak).
package procmem

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// Usage is the process's memory from /proc/self/status, in bytes.
type Usage struct {
	// RSS is the resident set: Anon + File + Shmem (VmRSS).
	RSS int64 `json:"rss_bytes"`
	// Peak is the largest RSS the process has had (VmHWM).
	Peak int64 `json:"peak_rss_bytes"`
	// Anon is the resident anonymous memory: heap, stacks, written data
	// (RssAnon). It is what the process costs the device.
	Anon int64 `json:"anon_bytes"`
	// File is the resident pages mapped from files (RssFile): the
	// executable and mapped models, shared with the page cache.
	File int64 `json:"file_bytes"`
	// Shmem is the resident shared memory (RssShmem).
	Shmem int64 `json:"shmem_bytes"`
}

// Release is the memory just before and just after ReleaseExecutablePages.
type Release struct {
	Before, After Usage
}

// Released returns the bytes of RSS the release freed.
func (r Release) Released() int64 { return max(0, r.Before.RSS-r.After.RSS) }

// Peak returns the larger of u's peak and the peak read before the
// release: the process's true peak when u was read after it.
func (r Release) Peak(u Usage) int64 { return max(u.Peak, r.Before.Peak, r.Before.RSS) }

// Read returns the calling process's Usage. It is an error on systems
// without /proc/self/status.
func Read() (Usage, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return Usage{}, fmt.Errorf("process memory: %w", err)
	}
	u, err := ParseStatus(b)
	if err != nil {
		return Usage{}, fmt.Errorf("process memory: /proc/self/status: %w", err)
	}
	return u, nil
}

// ReadPID returns the Usage of process pid, from /proc/PID/status.
func ReadPID(pid int) (Usage, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return Usage{}, fmt.Errorf("memory of process %d: %w", pid, err)
	}
	u, err := ParseStatus(b)
	if err != nil {
		return Usage{}, fmt.Errorf("memory of process %d: /proc/%d/status: %w", pid, pid, err)
	}
	return u, nil
}

// ParseStatus reads the memory fields of a /proc/PID/status file: VmRSS,
// VmHWM, RssAnon, RssFile and RssShmem, in kB. VmRSS is required; the
// others are 0 when absent (kernels before 4.5 lack the Rss* lines).
func ParseStatus(b []byte) (Usage, error) {
	var u Usage
	fields := map[string]*int64{
		"VmRSS:": &u.RSS, "VmHWM:": &u.Peak, "RssAnon:": &u.Anon, "RssFile:": &u.File, "RssShmem:": &u.Shmem,
	}
	seen := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) == 0 {
			continue
		}
		dst, ok := fields[string(f[0])]
		if !ok {
			continue
		}
		if len(f) != 3 || string(f[2]) != "kB" {
			return Usage{}, fmt.Errorf("line %q: want \"NAME: VALUE kB\"", sc.Bytes())
		}
		v, err := strconv.ParseInt(string(f[1]), 10, 64)
		if err != nil || v < 0 || v > 1<<43 {
			return Usage{}, fmt.Errorf("line %q: bad value", sc.Bytes())
		}
		*dst = v * 1024
		if string(f[0]) == "VmRSS:" {
			seen = true
		}
	}
	if err := sc.Err(); err != nil {
		return Usage{}, err
	}
	if !seen {
		return Usage{}, fmt.Errorf("no VmRSS line")
	}
	return u, nil
}
