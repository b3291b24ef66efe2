// # Requirements
//
// A requirement is a small boolean expression over a Profile. OTA model
// variants carry one ("requires": "arch == arm64 and cpu.features has
// asimddp") and the agent uses them to pick kernels:
//
//	arch == arm64 and cpu.features has asimddp
//	npu.kind == edgetpu and npu.accessible == true
//	mem.available >= 512MiB and not thermal.throttled == true
//	gpu.kind == nvidia and (gpu.compute_capability >= 8.0 or gpu.memory >= 40GiB)
//	board.model has "Raspberry Pi"
//
// Grammar (keywords are lowercase; fields are [a-z0-9_.]):
//
//	expr       := or
//	or         := and ("or" and)*
//	and        := unary ("and" unary)*
//	unary      := "not" unary | "(" expr ")" | comparison
//	comparison := field op value
//	op         := == | != | < | <= | > | >= | has
//	value      := word | "quoted string" | number
//
// A word is a run of letters, digits and _ . + - (edgetpu, avx512_vnni,
// Cortex-A76, intel-npu). A quoted string may hold anything; \" and \\ are
// its only escapes. A number is digits with an optional fraction and, for
// sizes, an optional unit, case-sensitive as written: B, KB, MB, GB, TB
// (powers of 1000) and KiB, MiB, GiB, TiB (powers of 1024), so 512MiB,
// 1.5GB, 64KiB or plain bytes. A version is numbers joined by dots (8.7,
// 6.1.0) and compares number by number (8.10 > 8.9, 9 == 9.0). Requirements
// are at most 4 KiB long and "(" and "not" nest at most 32 deep.
//
// Fields (Aa: compared case-insensitively; the others compare exactly):
//
//	field                   type      profile field               notes
//	arch                    string Aa Arch                        amd64, arm64, arm, 386, riscv64
//	os.kernel               string    OS.Kernel                   < <= > >= compare its leading version: os.kernel >= 5.10
//	cpu.vendor              string Aa CPU.Vendor                  GenuineIntel, AuthenticAMD, ARM
//	cpu.model               string    CPU.Model                   model name or ARM part name
//	cpu.part                string Aa CPU.Part                    ARM part id, e.g. 0xd0b
//	cpu.parts               list   Aa CPU.Parts                   ARM core types: Cortex-A55, Cortex-A76
//	cpu.features            list   Aa CPU.Features                avx2, avx512_vnni, amx, asimddp, i8mm, sve ...
//	cpu.flags               list   Aa CPU.Flags                   every raw /proc/cpuinfo flag
//	cpu.logical             count     CPU.Logical
//	cpu.physical            count     CPU.Physical
//	cpu.online              count     CPU.Online
//	cpu.usable              count     CPU.Usable                  what cgroups let this process use
//	cpu.max_mhz             number    CPU.MaxMHz                  MHz
//	mem.total               size      Memory.TotalBytes
//	mem.available           size      Memory.AvailableBytes
//	mem.usable              size      Memory.UsableBytes          min(available, cgroup room)
//	mem.cgroup_limit        size      Memory.CgroupLimitBytes
//	board.model             string    Board.Model                 has: board.model has "Raspberry Pi"
//	board.compatible        list      Board.Compatible            device-tree compatible strings
//	thermal.throttled       bool      Thermal.Throttled           == true, == false
//	gpu.kind                device Aa GPUs[].Kind                 nvidia, amd, intel, mali, jetson
//	gpu.vendor              device Aa GPUs[].Vendor
//	gpu.name                device    GPUs[].Name                 "NVIDIA H100 80GB HBM3"
//	gpu.memory              size      GPUs[].MemoryBytes          per GPU
//	gpu.compute_capability  version   GPUs[].ComputeCapability    per GPU: gpu.compute_capability >= 8.0
//	gpu.count               count     len(GPUs)
//	npu.kind                device Aa NPUs[].Kind                 edgetpu, hailo, rknpu, intel-npu, amd-xdna, ethos-u, vivante, qualcomm
//	npu.vendor              device Aa NPUs[].Vendor
//	npu.name                device    NPUs[].Name
//	npu.count               count     len(NPUs)
//	npu.accessible          bool      any NPUs[].Accessible       some NPU this process may open
//
// Operators by type:
//
//	string   == != (equal), has (substring)
//	list     == (some element equals), != (none does), has (membership)
//	device   one string per device: == (some device's equals), != (none
//	         does), has (some device's contains it)
//	size, count, number, version
//	         == != < <= > >=; over several devices a comparison holds when
//	         some device satisfies it (gpu.memory >= 8GiB: some GPU has
//	         8 GiB), and != when none equals
//	bool     == != with true or false
//
// A zero or empty profile field means "not found" and is no value at all: no
// comparison but != holds for it (mem.total < 1GiB is false when the total
// is unknown, and mem.cgroup_limit, 0 when unlimited, satisfies no bound).
// gpu.count and npu.count are always known. Using an operator or value its
// field's type has no meaning for (cpu.vendor >= intel, mem.total has 4,
// cpu.logical >= 4GiB) parses, but Match then returns an error for every
// profile; an unknown field or a malformed literal is a parse error.
package hwprobe

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	maxRequirementLen   = 4096 // bytes
	maxRequirementDepth = 32   // nested "(" and "not"
)

// Requirement is a parsed requirement. It is immutable and safe for
// concurrent use.
type Requirement struct {
	root reqExpr
	// err is the first type mismatch (an operator or value its field's type
	// has no meaning for); Match returns it for every profile.
	err *RequirementError
}

// RequirementError is an error in a requirement: where it is and what was
// expected there.
type RequirementError struct {
	Requirement string // the requirement's text (shortened when long)
	Column      int    // 1-based, in characters; 0 when it concerns the whole text
	Msg         string // what is wrong and what was expected
}

func (e *RequirementError) Error() string {
	if e.Column == 0 {
		return fmt.Sprintf("requirement %s: %s", strconv.Quote(e.Requirement), e.Msg)
	}
	return fmt.Sprintf("requirement %s: column %d: %s", strconv.Quote(e.Requirement), e.Column, e.Msg)
}

// ParseRequirement parses a requirement (see the package documentation for
// the language and its fields). Its errors are *RequirementError and give the
// column and what was expected there.
func ParseRequirement(s string) (*Requirement, error) {
	return parseRequirement(s, maxRequirementLen)
}

// parseRequirement parses with a length limit (tests lift it to re-parse
// canonical forms, which may be longer than their source).
func parseRequirement(s string, maxLen int) (*Requirement, error) {
	if len(s) > maxLen {
		return nil, &RequirementError{Requirement: reqShorten(s), Msg: fmt.Sprintf("too long: %d bytes (want at most %d)", len(s), maxLen)}
	}
	p := &reqParser{src: s}
	if err := p.lex(); err != nil {
		return nil, err
	}
	root, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != reqTokEOF {
		want := "and, or or the end"
		if t.kind == reqTokRParen {
			want += `; no "(" is open`
		}
		return nil, p.errorf(t.pos, "unexpected %s (want %s%s)", t.describe(), want, reqLowercaseHint(t))
	}
	return &Requirement{root: root, err: p.mismatch}, nil
}

// Match reports whether the profile satisfies the requirement. It returns an
// error only when the requirement compares a field with an operator or value
// its type has no meaning for; that error is the same for every profile, so
// Match(&Profile{}) validates a requirement. A nil profile is an empty one.
func (r *Requirement) Match(p *Profile) (bool, error) {
	if r.err != nil {
		return false, r.err
	}
	if p == nil {
		p = &Profile{}
	}
	return r.root.eval(p), nil
}

// Explain says whether the profile satisfies the requirement and why: the
// clauses that decided it, each with its outcome and the profile's values,
// e.g. "cpu.features has avx512_vnni: false (cpu.features: sse4_1 avx2)".
// A requirement of several clauses gives one line per clause that mattered,
// indented under the clause that holds it.
func (r *Requirement) Explain(p *Profile) string {
	if r.err != nil {
		return fmt.Sprintf("%s: error: column %d: %s", r.String(), r.err.Column, r.err.Msg)
	}
	if p == nil {
		p = &Profile{}
	}
	var b strings.Builder
	reqExplain(&b, r.root, p, 0)
	return strings.TrimSuffix(b.String(), "\n")
}

// String returns the canonical form: single spaces, lowercase keywords,
// parentheses only where precedence needs them, words bare where they can
// be and quoted otherwise. ParseRequirement(r.String()) gives r again.
func (r *Requirement) String() string {
	var b strings.Builder
	r.root.format(&b, reqPrecOr)
	return b.String()
}

// ---- syntax tree -----------------------------------------------------------

// Precedence levels, loosest first.
const (
	reqPrecOr = iota
	reqPrecAnd
	reqPrecUnary
)

type reqExpr interface {
	eval(p *Profile) bool
	format(b *strings.Builder, ctx int)
}

type reqOrExpr struct{ kids []reqExpr }
type reqAndExpr struct{ kids []reqExpr }
type reqNotExpr struct{ kid reqExpr }

type reqCmpOp int

const (
	reqOpEq reqCmpOp = iota
	reqOpNe
	reqOpLt
	reqOpLe
	reqOpGt
	reqOpGe
	reqOpHas
)

var reqOpNames = [...]string{reqOpEq: "==", reqOpNe: "!=", reqOpLt: "<", reqOpLe: "<=", reqOpGt: ">", reqOpGe: ">=", reqOpHas: "has"}

func (o reqCmpOp) String() string { return reqOpNames[o] }

func (o reqCmpOp) ordering() bool { return o >= reqOpLt && o <= reqOpGe }

// holds says whether a three-way comparison result c satisfies the operator.
func (o reqCmpOp) holds(c int) bool {
	switch o {
	case reqOpEq:
		return c == 0
	case reqOpNe:
		return c != 0
	case reqOpLt:
		return c < 0
	case reqOpLe:
		return c <= 0
	case reqOpGt:
		return c > 0
	case reqOpGe:
		return c >= 0
	}
	return false
}

const reqOpList = "==, !=, <, <=, >, >=, has"

// reqComparison is field op value.
type reqComparison struct {
	field    string // canonical field name
	op       reqCmpOp
	val      reqValue
	mismatch string // non-empty: the type mismatch; the comparison never holds
}

// reqValue is a literal as written, with what it means for its field.
type reqValue struct {
	text   string   // the word, or the string without its quotes
	quoted bool     // printed quoted
	num    float64  // size, count, number fields: the value (bytes for sizes)
	ver    []string // version fields and os.kernel ordering: the numbers, without leading zeros
	b      bool     // bool fields
}

func (e *reqOrExpr) eval(p *Profile) bool {
	for _, k := range e.kids {
		if k.eval(p) {
			return true
		}
	}
	return false
}

func (e *reqAndExpr) eval(p *Profile) bool {
	for _, k := range e.kids {
		if !k.eval(p) {
			return false
		}
	}
	return true
}

func (e *reqNotExpr) eval(p *Profile) bool { return !e.kid.eval(p) }

func (e *reqOrExpr) format(b *strings.Builder, ctx int) {
	reqFormatList(b, ctx, reqPrecOr, " or ", e.kids)
}

func (e *reqAndExpr) format(b *strings.Builder, ctx int) {
	reqFormatList(b, ctx, reqPrecAnd, " and ", e.kids)
}

func reqFormatList(b *strings.Builder, ctx, prec int, sep string, kids []reqExpr) {
	if ctx > prec {
		b.WriteByte('(')
	}
	for i, k := range kids {
		if i > 0 {
			b.WriteString(sep)
		}
		k.format(b, prec+1)
	}
	if ctx > prec {
		b.WriteByte(')')
	}
}

func (e *reqNotExpr) format(b *strings.Builder, ctx int) {
	b.WriteString("not ")
	e.kid.format(b, reqPrecUnary)
}

func (c *reqComparison) format(b *strings.Builder, ctx int) {
	b.WriteString(c.field)
	b.WriteByte(' ')
	b.WriteString(c.op.String())
	b.WriteByte(' ')
	if c.val.quoted {
		b.WriteString(reqQuoteValue(c.val.text))
	} else {
		b.WriteString(c.val.text)
	}
}

func reqExprString(e reqExpr) string {
	var b strings.Builder
	e.format(&b, reqPrecOr)
	return b.String()
}

// reqQuoteValue quotes a string the way the lexer reads it back.
func reqQuoteValue(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// reqBareWord reports whether s can be printed as a bare value word.
func reqBareWord(s string) bool {
	if s == "" || reqIsKeyword(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !reqIsWordByte(s[i]) {
			return false
		}
	}
	return true
}

// reqShowValue prints a profile value the way a requirement would write it.
func reqShowValue(s string) string {
	if reqBareWord(s) {
		return s
	}
	return reqQuoteValue(s)
}

// ---- fields ----------------------------------------------------------------

type reqFieldKind int

const (
	reqKindString    reqFieldKind = iota // one string; has: substring
	reqKindList                          // a list of strings; has: membership
	reqKindDevString                     // one string per device; has: substring of any
	reqKindSize                          // bytes; units allowed
	reqKindCount                         // a count
	reqKindNumber                        // a plain number (MHz)
	reqKindVersion                       // numbers joined by dots, per device
	reqKindBool                          // true or false
)

var reqKindNames = [...]string{
	reqKindString: "a string", reqKindList: "a list of names", reqKindDevString: "a name per device",
	reqKindSize: "a size", reqKindCount: "a count", reqKindNumber: "a number", reqKindVersion: "a version",
	reqKindBool: "true or false",
}

// reqField describes one field of the language.
type reqField struct {
	name string
	kind reqFieldKind
	// fold: names compare case-insensitively.
	fold bool
	// versionOrder: < <= > >= compare the string's leading version (os.kernel).
	versionOrder bool
	// device: "GPU" or "NPU" for per-device fields (for "no GPUs" in Explain).
	device string
	strs   func(p *Profile) []string  // string, list, device string, version kinds
	nums   func(p *Profile) []float64 // size, count, number kinds
	flag   func(p *Profile) bool      // bool kind
}

func reqNonEmpty(ss ...string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func reqNonZero(x float64) []float64 {
	if x == 0 {
		return nil
	}
	return []float64{x}
}

func reqDevStrings(ds []Device, get func(d *Device) string) []string {
	out := make([]string, 0, len(ds))
	for i := range ds {
		if s := get(&ds[i]); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func reqDevNums(ds []Device, get func(d *Device) int64) []float64 {
	out := make([]float64, 0, len(ds))
	for i := range ds {
		if x := get(&ds[i]); x != 0 {
			out = append(out, float64(x))
		}
	}
	return out
}

var reqFieldList = []*reqField{
	{name: "arch", kind: reqKindString, fold: true, strs: func(p *Profile) []string { return reqNonEmpty(p.Arch) }},
	{name: "os.kernel", kind: reqKindString, versionOrder: true, strs: func(p *Profile) []string { return reqNonEmpty(p.OS.Kernel) }},
	{name: "cpu.vendor", kind: reqKindString, fold: true, strs: func(p *Profile) []string { return reqNonEmpty(p.CPU.Vendor) }},
	{name: "cpu.model", kind: reqKindString, strs: func(p *Profile) []string { return reqNonEmpty(p.CPU.Model) }},
	{name: "cpu.part", kind: reqKindString, fold: true, strs: func(p *Profile) []string { return reqNonEmpty(p.CPU.Part) }},
	{name: "cpu.parts", kind: reqKindList, fold: true, strs: func(p *Profile) []string { return reqNonEmpty(p.CPU.Parts...) }},
	{name: "cpu.features", kind: reqKindList, fold: true, strs: func(p *Profile) []string { return reqNonEmpty(p.CPU.Features...) }},
	{name: "cpu.flags", kind: reqKindList, fold: true, strs: func(p *Profile) []string { return reqNonEmpty(p.CPU.Flags...) }},
	{name: "cpu.logical", kind: reqKindCount, nums: func(p *Profile) []float64 { return reqNonZero(float64(p.CPU.Logical)) }},
	{name: "cpu.physical", kind: reqKindCount, nums: func(p *Profile) []float64 { return reqNonZero(float64(p.CPU.Physical)) }},
	{name: "cpu.online", kind: reqKindCount, nums: func(p *Profile) []float64 { return reqNonZero(float64(p.CPU.Online)) }},
	{name: "cpu.usable", kind: reqKindCount, nums: func(p *Profile) []float64 { return reqNonZero(float64(p.CPU.Usable)) }},
	{name: "cpu.max_mhz", kind: reqKindNumber, nums: func(p *Profile) []float64 { return reqNonZero(p.CPU.MaxMHz) }},
	{name: "mem.total", kind: reqKindSize, nums: func(p *Profile) []float64 { return reqNonZero(float64(p.Memory.TotalBytes)) }},
	{name: "mem.available", kind: reqKindSize, nums: func(p *Profile) []float64 { return reqNonZero(float64(p.Memory.AvailableBytes)) }},
	{name: "mem.usable", kind: reqKindSize, nums: func(p *Profile) []float64 { return reqNonZero(float64(p.Memory.UsableBytes)) }},
	{name: "mem.cgroup_limit", kind: reqKindSize, nums: func(p *Profile) []float64 { return reqNonZero(float64(p.Memory.CgroupLimitBytes)) }},
	{name: "board.model", kind: reqKindString, strs: func(p *Profile) []string { return reqNonEmpty(p.Board.Model) }},
	{name: "board.compatible", kind: reqKindList, strs: func(p *Profile) []string { return reqNonEmpty(p.Board.Compatible...) }},
	{name: "thermal.throttled", kind: reqKindBool, flag: func(p *Profile) bool { return p.Thermal.Throttled }},
	{name: "gpu.kind", kind: reqKindDevString, fold: true, device: "GPU", strs: func(p *Profile) []string { return reqDevStrings(p.GPUs, func(d *Device) string { return d.Kind }) }},
	{name: "gpu.vendor", kind: reqKindDevString, fold: true, device: "GPU", strs: func(p *Profile) []string { return reqDevStrings(p.GPUs, func(d *Device) string { return d.Vendor }) }},
	{name: "gpu.name", kind: reqKindDevString, device: "GPU", strs: func(p *Profile) []string { return reqDevStrings(p.GPUs, func(d *Device) string { return d.Name }) }},
	{name: "gpu.memory", kind: reqKindSize, device: "GPU", nums: func(p *Profile) []float64 { return reqDevNums(p.GPUs, func(d *Device) int64 { return d.MemoryBytes }) }},
	{name: "gpu.compute_capability", kind: reqKindVersion, device: "GPU", strs: func(p *Profile) []string {
		return reqDevStrings(p.GPUs, func(d *Device) string { return d.ComputeCapability })
	}},
	{name: "gpu.count", kind: reqKindCount, nums: func(p *Profile) []float64 { return []float64{float64(len(p.GPUs))} }},
	{name: "npu.kind", kind: reqKindDevString, fold: true, device: "NPU", strs: func(p *Profile) []string { return reqDevStrings(p.NPUs, func(d *Device) string { return d.Kind }) }},
	{name: "npu.vendor", kind: reqKindDevString, fold: true, device: "NPU", strs: func(p *Profile) []string { return reqDevStrings(p.NPUs, func(d *Device) string { return d.Vendor }) }},
	{name: "npu.name", kind: reqKindDevString, device: "NPU", strs: func(p *Profile) []string { return reqDevStrings(p.NPUs, func(d *Device) string { return d.Name }) }},
	{name: "npu.count", kind: reqKindCount, nums: func(p *Profile) []float64 { return []float64{float64(len(p.NPUs))} }},
	{name: "npu.accessible", kind: reqKindBool, device: "NPU", flag: func(p *Profile) bool {
		for i := range p.NPUs {
			if p.NPUs[i].Accessible {
				return true
			}
		}
		return false
	}},
}

var reqFields = func() map[string]*reqField {
	m := make(map[string]*reqField, len(reqFieldList))
	for _, f := range reqFieldList {
		m[f.name] = f
	}
	return m
}()

// ---- evaluation ------------------------------------------------------------

func (c *reqComparison) eval(p *Profile) bool {
	if c.mismatch != "" {
		return false
	}
	f := reqFields[c.field]
	switch f.kind {
	case reqKindString, reqKindList, reqKindDevString:
		vs := f.strs(p)
		switch {
		case c.op == reqOpEq:
			return reqAnyString(vs, func(s string) bool { return reqEqualName(f, s, c.val.text) })
		case c.op == reqOpNe:
			return !reqAnyString(vs, func(s string) bool { return reqEqualName(f, s, c.val.text) })
		case c.op == reqOpHas && f.kind == reqKindList:
			return reqAnyString(vs, func(s string) bool { return reqEqualName(f, s, c.val.text) })
		case c.op == reqOpHas:
			return reqAnyString(vs, func(s string) bool { return reqContainsName(f, s, c.val.text) })
		default: // ordering on os.kernel's leading version
			return reqAnyString(vs, func(s string) bool {
				v, ok := reqLeadingVersion(s)
				return ok && c.op.holds(reqCompareVersions(v, c.val.ver))
			})
		}
	case reqKindSize, reqKindCount, reqKindNumber:
		vs := f.nums(p)
		if c.op == reqOpNe {
			for _, x := range vs {
				if x == c.val.num {
					return false
				}
			}
			return true
		}
		for _, x := range vs {
			if c.op.holds(reqCompareFloats(x, c.val.num)) {
				return true
			}
		}
		return false
	case reqKindVersion:
		var vs [][]string
		for _, s := range f.strs(p) {
			if v, ok := reqParseVersion(strings.TrimSpace(s)); ok {
				vs = append(vs, v)
			}
		}
		if c.op == reqOpNe {
			for _, v := range vs {
				if reqCompareVersions(v, c.val.ver) == 0 {
					return false
				}
			}
			return true
		}
		for _, v := range vs {
			if c.op.holds(reqCompareVersions(v, c.val.ver)) {
				return true
			}
		}
		return false
	case reqKindBool:
		if c.op == reqOpEq {
			return f.flag(p) == c.val.b
		}
		return f.flag(p) != c.val.b
	}
	return false
}

func reqAnyString(vs []string, pred func(string) bool) bool {
	for _, v := range vs {
		if pred(v) {
			return true
		}
	}
	return false
}

func reqEqualName(f *reqField, a, b string) bool {
	if f.fold {
		return strings.EqualFold(a, b)
	}
	return a == b
}

func reqContainsName(f *reqField, s, sub string) bool {
	if f.fold {
		return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
	}
	return strings.Contains(s, sub)
}

func reqCompareFloats(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// reqParseVersion reads numbers joined by dots ("8.7", "6.1.0"); the numbers
// lose their leading zeros, so they compare by length, then digit by digit.
func reqParseVersion(s string) ([]string, bool) {
	if s == "" {
		return nil, false
	}
	parts := strings.Split(s, ".")
	for i, part := range parts {
		if part == "" {
			return nil, false
		}
		for j := 0; j < len(part); j++ {
			if part[j] < '0' || part[j] > '9' {
				return nil, false
			}
		}
		if parts[i] = strings.TrimLeft(part, "0"); parts[i] == "" {
			parts[i] = "0"
		}
	}
	return parts, true
}

// reqLeadingVersion reads the version a string starts with: 6.1.0 of
// "6.1.0-18-arm64".
func reqLeadingVersion(s string) ([]string, bool) {
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.' && end > 0 && s[end-1] != '.') {
		end++
	}
	return reqParseVersion(strings.TrimSuffix(s[:end], "."))
}

// reqCompareVersions compares number by number; missing numbers are 0.
func reqCompareVersions(a, b []string) int {
	n := max(len(a), len(b))
	for i := 0; i < n; i++ {
		x, y := "0", "0"
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if len(x) != len(y) {
			if len(x) < len(y) {
				return -1
			}
			return 1
		}
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// ---- explanation -----------------------------------------------------------

func reqExplain(b *strings.Builder, e reqExpr, p *Profile, indent int) {
	v := e.eval(p)
	b.WriteString(strings.Repeat("  ", indent))
	b.WriteString(reqExprString(e))
	b.WriteString(": ")
	b.WriteString(strconv.FormatBool(v))
	switch e := e.(type) {
	case *reqComparison:
		b.WriteString(" (")
		b.WriteString(e.field)
		b.WriteString(": ")
		b.WriteString(reqDescribeField(reqFields[e.field], p))
		b.WriteString(")\n")
	case *reqAndExpr:
		b.WriteByte('\n')
		for _, k := range e.kids {
			if v || !k.eval(p) { // true: every clause; false: the failing ones
				reqExplain(b, k, p, indent+1)
			}
		}
	case *reqOrExpr:
		b.WriteByte('\n')
		for _, k := range e.kids {
			if !v || k.eval(p) { // false: every clause; true: the ones that hold
				reqExplain(b, k, p, indent+1)
			}
		}
	case *reqNotExpr:
		b.WriteByte('\n')
		reqExplain(b, e.kid, p, indent+1)
	}
}

// reqMaxShown bounds the values Explain lists for one field.
const reqMaxShown = 32

// reqDescribeField gives the profile's values of a field.
func reqDescribeField(f *reqField, p *Profile) string {
	none := "unknown"
	if f.device != "" {
		n := len(p.GPUs)
		if f.device == "NPU" {
			n = len(p.NPUs)
		}
		if n == 0 {
			none = "no " + f.device + "s"
		}
	}
	var shown []string
	switch f.kind {
	case reqKindString, reqKindList, reqKindDevString, reqKindVersion:
		for _, s := range f.strs(p) {
			shown = append(shown, reqShowValue(s))
		}
		if f.kind == reqKindList && len(shown) == 0 {
			none = "none"
		}
	case reqKindSize:
		for _, x := range f.nums(p) {
			shown = append(shown, reqFormatSize(x))
		}
	case reqKindCount, reqKindNumber:
		for _, x := range f.nums(p) {
			shown = append(shown, strconv.FormatFloat(x, 'f', -1, 64))
		}
	case reqKindBool:
		s := strconv.FormatBool(f.flag(p))
		if none != "unknown" { // a device field with no devices
			s += ", " + none
		}
		return s
	}
	if len(shown) == 0 {
		return none
	}
	if len(shown) > reqMaxShown {
		return strings.Join(shown[:reqMaxShown], " ") + fmt.Sprintf(" ... (%d more)", len(shown)-reqMaxShown)
	}
	return strings.Join(shown, " ")
}

// reqFormatSize writes bytes in the largest binary unit that divides them
// exactly (81559MiB), as a requirement would.
func reqFormatSize(x float64) string {
	units := []struct {
		name string
		size float64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}}
	for _, u := range units {
		if x >= u.size && math.Mod(x, u.size) == 0 {
			return strconv.FormatFloat(x/u.size, 'f', -1, 64) + u.name
		}
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// ---- lexer -----------------------------------------------------------------

type reqTokKind int

const (
	reqTokEOF    reqTokKind = iota
	reqTokWord              // field, keyword or value word
	reqTokString            // quoted string; text is unquoted
	reqTokOp                // a run of = ! < >, valid or not
	reqTokLParen
	reqTokRParen
)

type reqToken struct {
	kind reqTokKind
	text string
	pos  int // byte offset in the source
}

type reqParser struct {
	src      string
	toks     []reqToken
	i        int
	depth    int
	mismatch *RequirementError
}

func reqIsWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '.' || c == '+' || c == '-'
}

func reqIsOpByte(c byte) bool { return c == '=' || c == '!' || c == '<' || c == '>' }

func reqIsKeyword(s string) bool { return s == "and" || s == "or" || s == "not" || s == "has" }

func (p *reqParser) lex() error {
	s := p.src
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			p.toks = append(p.toks, reqToken{kind: reqTokLParen, text: "(", pos: i})
			i++
		case c == ')':
			p.toks = append(p.toks, reqToken{kind: reqTokRParen, text: ")", pos: i})
			i++
		case reqIsOpByte(c):
			j := i
			for j < len(s) && reqIsOpByte(s[j]) {
				j++
			}
			p.toks = append(p.toks, reqToken{kind: reqTokOp, text: s[i:j], pos: i})
			i = j
		case reqIsWordByte(c):
			j := i
			for j < len(s) && reqIsWordByte(s[j]) {
				j++
			}
			p.toks = append(p.toks, reqToken{kind: reqTokWord, text: s[i:j], pos: i})
			i = j
		case c == '"':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(s) {
					return p.errorf(i, `unterminated string (want a closing ")`)
				}
				if s[j] == '"' {
					break
				}
				if s[j] == '\\' {
					if j+1 >= len(s) || s[j+1] != '"' && s[j+1] != '\\' {
						return p.errorf(j, `unknown escape in string (want \" or \\)`)
					}
					j++
				}
				b.WriteByte(s[j])
				j++
			}
			p.toks = append(p.toks, reqToken{kind: reqTokString, text: b.String(), pos: i})
			i = j + 1
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			shown := strconv.QuoteRune(r)
			if r == utf8.RuneError {
				shown = fmt.Sprintf("byte %#02x", c)
			}
			return p.errorf(i, "unexpected character %s (want a field, an operator, a value, a quoted string, ( or ))", shown)
		}
	}
	p.toks = append(p.toks, reqToken{kind: reqTokEOF, pos: len(s)})
	return nil
}

func (t reqToken) describe() string {
	switch t.kind {
	case reqTokEOF:
		return "end"
	case reqTokString:
		return "string " + reqQuoteValue(t.text)
	}
	return strconv.Quote(t.text)
}

// reqLowercaseHint points out a keyword written in capitals.
func reqLowercaseHint(t reqToken) string {
	if t.kind == reqTokWord && t.text != strings.ToLower(t.text) && reqIsKeyword(strings.ToLower(t.text)) {
		return "; keywords are lowercase"
	}
	return ""
}

func (p *reqParser) peek() reqToken { return p.toks[p.i] }

func (p *reqParser) next() reqToken {
	t := p.toks[p.i]
	if t.kind != reqTokEOF {
		p.i++
	}
	return t
}

func (p *reqParser) isKeyword(kw string) bool {
	t := p.peek()
	return t.kind == reqTokWord && t.text == kw
}

func (p *reqParser) column(pos int) int { return utf8.RuneCountInString(p.src[:pos]) + 1 }

func (p *reqParser) errorf(pos int, format string, args ...any) *RequirementError {
	return &RequirementError{Requirement: reqShorten(p.src), Column: p.column(pos), Msg: fmt.Sprintf(format, args...)}
}

// reqShorten keeps error messages readable for long requirements.
func reqShorten(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// ---- parser ----------------------------------------------------------------

func (p *reqParser) parseOr() (reqExpr, error) {
	first, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	kids := []reqExpr{first}
	for p.isKeyword("or") {
		p.next()
		k, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return first, nil
	}
	var flat []reqExpr
	for _, k := range kids {
		if o, ok := k.(*reqOrExpr); ok {
			flat = append(flat, o.kids...)
		} else {
			flat = append(flat, k)
		}
	}
	return &reqOrExpr{kids: flat}, nil
}

func (p *reqParser) parseAnd() (reqExpr, error) {
	first, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	kids := []reqExpr{first}
	for p.isKeyword("and") {
		p.next()
		k, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return first, nil
	}
	var flat []reqExpr
	for _, k := range kids {
		if a, ok := k.(*reqAndExpr); ok {
			flat = append(flat, a.kids...)
		} else {
			flat = append(flat, k)
		}
	}
	return &reqAndExpr{kids: flat}, nil
}

func (p *reqParser) parseUnary() (reqExpr, error) {
	t := p.peek()
	if (t.kind == reqTokWord && t.text == "not") || t.kind == reqTokLParen {
		if p.depth >= maxRequirementDepth {
			return nil, p.errorf(t.pos, "nested too deeply (want at most %d levels of ( and not)", maxRequirementDepth)
		}
		p.depth++
		defer func() { p.depth-- }()
		p.next()
		if t.kind == reqTokWord {
			kid, err := p.parseUnary()
			if err != nil {
				return nil, err
			}
			return &reqNotExpr{kid: kid}, nil
		}
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != reqTokRParen {
			return nil, p.errorf(c.pos, "unexpected %s (want and, or or ) to close the ( at column %d%s)", c.describe(), p.column(t.pos), reqLowercaseHint(c))
		}
		return e, nil
	}
	return p.parseComparison()
}

func (p *reqParser) parseComparison() (reqExpr, error) {
	ft := p.next()
	if ft.kind != reqTokWord || reqIsKeyword(ft.text) {
		return nil, p.errorf(ft.pos, "unexpected %s (want a comparison such as arch == arm64)", ft.describe())
	}
	f := reqFields[ft.text]
	if f == nil {
		return nil, p.errorf(ft.pos, "unknown field %s (%s)", strconv.Quote(ft.text), reqFieldHint(ft.text))
	}
	ot := p.next()
	var op reqCmpOp
	switch {
	case ot.kind == reqTokOp || ot.kind == reqTokWord && ot.text != "has":
		found := false
		for o, name := range reqOpNames {
			if ot.text == name && o != int(reqOpHas) {
				op, found = reqCmpOp(o), true
			}
		}
		if !found {
			return nil, p.errorf(ot.pos, "unknown operator %s (want %s%s)", strconv.Quote(ot.text), reqOpList, reqLowercaseHint(ot))
		}
	case ot.kind == reqTokWord:
		op = reqOpHas
	default:
		return nil, p.errorf(ot.pos, "unexpected %s after %s (want an operator: %s)", ot.describe(), f.name, reqOpList)
	}
	vt := p.next()
	if vt.kind != reqTokWord && vt.kind != reqTokString {
		return nil, p.errorf(vt.pos, "unexpected %s after %s %s (want a value: a word, a number or a quoted string)", vt.describe(), f.name, op)
	}
	c := &reqComparison{field: f.name, op: op, val: reqValue{text: vt.text, quoted: vt.kind == reqTokString}}
	if err := p.typeCheck(f, c, ot, vt); err != nil {
		return nil, err
	}
	return c, nil
}

// reqFieldHint suggests a field for an unknown one.
func reqFieldHint(name string) string {
	if lower := strings.ToLower(name); lower != name && reqFields[lower] != nil {
		return "did you mean " + lower + "? fields are lowercase"
	}
	best, bestD := "", 3
	if len(name) <= 64 {
		for _, f := range reqFieldList {
			if d := reqEditDistance(name, f.name); d < bestD {
				best, bestD = f.name, d
			}
		}
	}
	if best != "" {
		return "did you mean " + best + "?"
	}
	group, _, _ := strings.Cut(name, ".")
	var names []string
	for _, f := range reqFieldList {
		if strings.HasPrefix(f.name, group+".") {
			names = append(names, f.name)
		}
	}
	if len(names) > 0 {
		return "want " + strings.Join(names, ", ")
	}
	return "want arch, os.*, cpu.*, mem.*, board.*, thermal.*, gpu.* or npu.*"
}

// reqEditDistance is the Levenshtein distance of two short strings.
func reqEditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

const reqSizeUnitList = "B, KB, MB, GB, TB, KiB, MiB, GiB, TiB"

// reqSizeUnits maps a unit to its power of 10 (decimal) or its size (binary).
var reqSizeUnits = map[string]struct {
	exp  int     // decimal: 10^exp
	mult float64 // binary: the multiplier
}{
	"B": {exp: 0}, "KB": {exp: 3}, "MB": {exp: 6}, "GB": {exp: 9}, "TB": {exp: 12},
	"KiB": {mult: 1 << 10}, "MiB": {mult: 1 << 20}, "GiB": {mult: 1 << 30}, "TiB": {mult: 1 << 40},
}

// reqSplitNumber splits "1.5GiB" into "1.5" and "GiB". ok is false unless the
// text is digits, an optional fraction and letters.
func reqSplitNumber(s string) (num, unit string, ok bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return "", "", false
	}
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i+1 {
			return "", "", false
		}
		i = j
	}
	for j := i; j < len(s); j++ {
		if !(s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
			return "", "", false
		}
	}
	return s[:i], s[i:], true
}

// reqParseFloat reads digits with an optional fraction; too large a number is +Inf.
func reqParseFloat(s string) float64 {
	x, _ := strconv.ParseFloat(s, 64) // only ErrRange is possible: x is then +Inf
	return x
}

func reqStartsNumeric(s string) bool { return s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '.') }

// typeCheck gives the value its meaning for the field. A malformed literal
// is a parse error; an operator or value the field's type has no meaning
// for is recorded in c.mismatch.
func (p *reqParser) typeCheck(f *reqField, c *reqComparison, ot, vt reqToken) error {
	v := &c.val
	kind := reqKindNames[f.kind]
	wrongOp := func(want string) {
		p.noteMismatch(c, ot.pos, fmt.Sprintf("operator %s does not apply to %s, which is %s (want %s)", c.op, f.name, kind, want))
	}
	wrongValue := func(want string) {
		p.noteMismatch(c, vt.pos, fmt.Sprintf("%s is %s; %s is not (want %s)", f.name, kind, reqShowTok(vt), want))
	}
	switch f.kind {
	case reqKindString, reqKindList, reqKindDevString:
		if !c.op.ordering() || !f.versionOrder {
			// Names mean the same quoted or not: print them one way.
			v.quoted = !reqBareWord(v.text)
		}
		if !c.op.ordering() {
			return nil
		}
		if !f.versionOrder {
			wrongOp("==, != or has")
			return nil
		}
		ver, ok := reqParseVersion(v.text)
		switch {
		case ok && vt.kind == reqTokWord:
			v.ver = ver
		case vt.kind == reqTokWord && reqStartsNumeric(v.text):
			return p.errorf(vt.pos, "bad version %s (want numbers joined by dots, such as 6.1)", strconv.Quote(v.text))
		default:
			p.noteMismatch(c, vt.pos, fmt.Sprintf("operator %s on %s compares versions; %s is not one (want e.g. 6.1)", c.op, f.name, reqShowTok(vt)))
		}
	case reqKindSize, reqKindCount, reqKindNumber:
		if c.op == reqOpHas {
			wrongOp("==, !=, <, <=, >, >=")
			return nil
		}
		example := "a number such as 4"
		if f.kind == reqKindSize {
			example = "a size such as 512MiB, 2GiB, 1.5GB or plain bytes"
		}
		if vt.kind != reqTokWord || !reqStartsNumeric(v.text) {
			wrongValue(example)
			return nil
		}
		num, unit, ok := reqSplitNumber(v.text)
		if !ok {
			return p.errorf(vt.pos, "bad number %s (want %s)", strconv.Quote(v.text), example)
		}
		u, known := reqSizeUnits[unit]
		switch {
		case unit == "":
			v.num = reqParseFloat(num)
		case !known:
			return p.errorf(vt.pos, "unknown size unit %s in %s (want %s)", strconv.Quote(unit), v.text, reqSizeUnitList)
		case f.kind != reqKindSize:
			wrongValue("a plain number such as 4")
		case u.mult != 0:
			v.num = reqParseFloat(num) * u.mult
		default:
			v.num = reqParseFloat(num + "e" + strconv.Itoa(u.exp))
		}
	case reqKindVersion:
		if c.op == reqOpHas {
			wrongOp("==, !=, <, <=, >, >=")
			return nil
		}
		if vt.kind != reqTokWord || !reqStartsNumeric(v.text) {
			wrongValue("a version such as 8.0")
			return nil
		}
		ver, ok := reqParseVersion(v.text)
		if !ok {
			return p.errorf(vt.pos, "bad version %s (want numbers joined by dots, such as 8.0)", strconv.Quote(v.text))
		}
		v.ver = ver
	case reqKindBool:
		if c.op != reqOpEq && c.op != reqOpNe {
			wrongOp("== or !=")
			return nil
		}
		if vt.kind != reqTokWord || v.text != "true" && v.text != "false" {
			wrongValue("true or false")
			return nil
		}
		v.b = v.text == "true"
	}
	return nil
}

// noteMismatch records a type mismatch in the comparison, and in the
// requirement when it is the first.
func (p *reqParser) noteMismatch(c *reqComparison, pos int, msg string) {
	c.mismatch = msg
	if p.mismatch == nil {
		p.mismatch = p.errorf(pos, "%s", msg)
	}
}

func reqShowTok(t reqToken) string {
	if t.kind == reqTokString {
		return reqQuoteValue(t.text)
	}
	return t.text
}
