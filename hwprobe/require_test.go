package hwprobe

import (
	"errors"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

const (
	reqKib = int64(1) << 10
	reqMib = int64(1) << 20
	reqGib = int64(1) << 30
)

// Hand-built profiles: the requirement tests never probe.

// reqRk3588 is a Radxa ROCK 5B: big.LITTLE Cortex-A76/A55, a Mali GPU and the RKNPU.
func reqRk3588() *Profile {
	return &Profile{
		Arch: "arm64",
		OS:   OS{Kernel: "5.10.160-rockchip-rk3588"},
		CPU: CPU{
			Vendor: "ARM", Model: "Cortex-A76", Implementer: "0x41", Part: "0xd0b",
			Parts:   []string{"Cortex-A55", "Cortex-A76"},
			Logical: 8, Physical: 8, Online: 8, Effective: 8, Usable: 8, MaxMHz: 2400,
			Features: []string{"asimd", "asimddp", "fp16"},
			Flags:    strings.Fields("fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp"),
		},
		Memory: Memory{TotalBytes: 16 * reqGib, AvailableBytes: 14 * reqGib, UsableBytes: 14 * reqGib},
		Board:  Board{Model: "Radxa ROCK 5B", Compatible: []string{"radxa,rock-5b", "rockchip,rk3588"}},
		GPUs:   []Device{{Kind: "mali", Vendor: "Arm", Name: "Mali-G610", Bus: "platform", Nodes: []string{"/dev/mali0"}, Accessible: true}},
		NPUs:   []Device{{Kind: "rknpu", Vendor: "Rockchip", Name: "RKNPU", DriverVersion: "0.9.6", Bus: "platform", Accessible: true}},
	}
}

// reqH100 is the x86-h100-vm fixture's machine, as the probe reports it.
func reqH100() *Profile {
	return &Profile{
		Arch: "amd64",
		OS:   OS{Kernel: "6.18.44-fc-v657-gpu"},
		CPU: CPU{
			Vendor: "GenuineIntel", Model: "Intel(R) Xeon(R) Processor",
			Logical: 16, Physical: 8, Online: 16, Effective: 16, Usable: 16,
			Features: strings.Fields("sse4_1 sse4_2 avx avx2 fma avx512f avx512bw avx512vl avx512_vnni avx_vnni amx"),
			Flags:    strings.Fields("fpu sse sse2 ssse3 sse4_1 sse4_2 avx avx2 fma avx512f avx512bw avx512vl avx512_vnni avx_vnni amx_tile amx_int8 amx_bf16"),
		},
		Memory: Memory{TotalBytes: 131981020 * reqKib, AvailableBytes: 131490980 * reqKib, UsableBytes: 131490980 * reqKib},
		Board:  Board{Virtual: true},
		GPUs: []Device{{
			Kind: "nvidia", Vendor: "NVIDIA", Name: "NVIDIA H100 80GB HBM3", MemoryBytes: 81559 * reqMib,
			ComputeCapability: "9.0", DriverVersion: "580.159.04", Bus: "pci", Address: "0000:00:06.0", Accessible: true,
		}},
	}
}

// reqPi4 is a Raspberry Pi 4 in a container limited to 2 CPUs and 1 GiB, running hot.
func reqPi4() *Profile {
	return &Profile{
		Arch: "arm64",
		OS:   OS{Kernel: "6.6.31+rpt-rpi-v8"},
		CPU: CPU{
			Vendor: "ARM", Model: "Cortex-A72", Implementer: "0x41", Part: "0xd08", Parts: []string{"Cortex-A72"},
			Logical: 4, Physical: 4, Online: 4, Effective: 4, QuotaCPUs: 2, Usable: 2, MaxMHz: 1800,
			Features: []string{"asimd"},
			Flags:    strings.Fields("fp asimd evtstrm crc32 cpuid"),
		},
		Memory:  Memory{TotalBytes: 3882 * reqMib, AvailableBytes: 3200 * reqMib, CgroupLimitBytes: reqGib, CgroupUsageBytes: 100 * reqMib, UsableBytes: 924 * reqMib},
		Board:   Board{Model: "Raspberry Pi 4 Model B Rev 1.4", Compatible: []string{"raspberrypi,4-model-b", "brcm,bcm2711"}},
		Thermal: Thermal{Throttled: true, Zones: []Zone{{Name: "thermal_zone0", Type: "cpu-thermal", TempC: 82.3, TripC: 80}}},
	}
}

// reqCoral is a Coral Dev Board: i.MX8MQ with a PCIe Edge TPU this process may not open.
func reqCoral() *Profile {
	return &Profile{
		Arch: "arm64",
		OS:   OS{Kernel: "4.14.98-imx"},
		CPU: CPU{
			Vendor: "ARM", Model: "Cortex-A53", Implementer: "0x41", Part: "0xd03", Parts: []string{"Cortex-A53"},
			Logical: 4, Physical: 4, Online: 4, Effective: 4, Usable: 4, MaxMHz: 1500,
			Features: []string{"asimd"},
			Flags:    strings.Fields("fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid"),
		},
		Memory: Memory{TotalBytes: 1011 * reqMib, AvailableBytes: 600 * reqMib, CgroupLimitBytes: 512 * reqMib, UsableBytes: 512 * reqMib},
		Board:  Board{Model: "Freescale i.MX8MQ Phanbeh", Compatible: []string{"fsl,imx8mq-phanbeh", "fsl,imx8mq"}},
		NPUs: []Device{{
			Kind: "edgetpu", Vendor: "Google", Name: "Coral Edge TPU", Bus: "pci", Address: "0000:01:00.0",
			Nodes: []string{"/dev/apex_0"}, Accessible: false,
			Unknown: map[string]string{"open": "permission denied"},
		}},
	}
}

// reqWorkstation has two GPUs: an RTX 3060 and an integrated Intel GPU whose
// memory and compute capability are not known.
func reqWorkstation() *Profile {
	return &Profile{
		Arch: "amd64",
		OS:   OS{Kernel: "6.8.0-45-generic"},
		CPU: CPU{
			Vendor: "AuthenticAMD", Model: "AMD Ryzen 5 5600X 6-Core Processor",
			Logical: 12, Physical: 6, Online: 12, Effective: 12, Usable: 12, MaxMHz: 4650,
			Features: strings.Fields("sse4_1 sse4_2 avx avx2 fma"),
			Flags:    strings.Fields("fpu sse sse2 ssse3 sse4_1 sse4_2 avx avx2 fma"),
		},
		Memory: Memory{TotalBytes: 32 * reqGib, AvailableBytes: 28 * reqGib, UsableBytes: 28 * reqGib},
		GPUs: []Device{
			{Kind: "nvidia", Vendor: "NVIDIA", Name: "NVIDIA GeForce RTX 3060", MemoryBytes: 12 * reqGib, ComputeCapability: "8.6", Accessible: true},
			{Kind: "intel", Vendor: "Intel", Name: "Intel UHD Graphics 770", Accessible: true},
		},
	}
}

// reqTestProfiles are the profiles every match case runs against, by name.
func reqTestProfiles() map[string]*Profile {
	return map[string]*Profile{
		"rk": reqRk3588(), "h100": reqH100(), "pi": reqPi4(), "coral": reqCoral(), "ws": reqWorkstation(), "empty": {},
	}
}

var reqProfileNames = []string{"rk", "h100", "pi", "coral", "ws", "empty"}

// matchCases: each requirement, and the profiles it must match (all others must not).
var reqMatchCases = []struct {
	req   string
	match string
}{
	// arch: string, case-insensitive
	{"arch == arm64", "rk pi coral"},
	{"arch == ARM64", "rk pi coral"},
	{`arch == "amd64"`, "h100 ws"},
	{"arch != arm64", "h100 ws empty"},
	{"arch has arm", "rk pi coral"},
	{"arch has 64", "rk h100 pi coral ws"},
	// os.kernel: string; ordering compares the leading version
	{`os.kernel == "4.14.98-imx"`, "coral"},
	{`os.kernel != "4.14.98-imx"`, "rk h100 pi ws empty"},
	{"os.kernel has rockchip", "rk"},
	{"os.kernel >= 6.1", "h100 pi ws"},
	{"os.kernel >= 6.10", "h100"}, // 6.18 >= 6.10 > 6.8 > 6.6: number by number
	{"os.kernel < 5", "coral"},
	{"os.kernel <= 5.10.160", "rk coral"},
	{"os.kernel > 5.10.160", "h100 pi ws"},
	// cpu.vendor: case-insensitive; cpu.model: exact
	{"cpu.vendor == genuineintel", "h100"},
	{"cpu.vendor == ARM", "rk pi coral"},
	{"cpu.vendor has amd", "ws"},
	{"cpu.vendor != arm", "h100 ws empty"},
	{`cpu.model == Cortex-A72`, "pi"},
	{`cpu.model == cortex-a72`, ""},
	{`cpu.model has Xeon`, "h100"},
	{`cpu.model has xeon`, ""},
	// cpu.part: string, case-insensitive; cpu.parts: list, case-insensitive
	{"cpu.part == 0xd0b", "rk"},
	{"cpu.part == 0xD08", "pi"},
	{"cpu.part has 0xd0", "rk pi coral"},
	{"cpu.parts has Cortex-A76", "rk"},
	{"cpu.parts == cortex-a55", "rk"},
	{"cpu.parts != Cortex-A53", "rk h100 pi ws empty"},
	{"cpu.parts has Cortex", ""}, // membership, not substring
	// cpu.features, cpu.flags: lists, case-insensitive
	{"cpu.features has asimddp", "rk"},
	{"cpu.features has avx512_vnni", "h100"},
	{"cpu.features has AVX2", "h100 ws"},
	{"cpu.features has avx", "h100 ws"},
	{"cpu.features has avx5", ""},
	{"cpu.features == amx", "h100"},
	{"cpu.features != asimd", "h100 ws empty"},
	{"cpu.flags has evtstrm", "rk pi coral"},
	{"cpu.flags has amx_tile", "h100"},
	// counts and MHz; 0 is "unknown" and satisfies nothing but !=
	{"cpu.logical >= 8", "rk h100 ws"},
	{"cpu.logical == 4", "pi coral"},
	{"cpu.logical != 4", "rk h100 ws empty"},
	{"cpu.physical > 6", "rk h100"},
	{"cpu.online <= 4", "pi coral"},
	{"cpu.usable < 3", "pi"},
	{"cpu.usable >= 4", "rk h100 coral ws"},
	{"cpu.max_mhz >= 2000", "rk ws"},
	{"cpu.max_mhz < 2000", "pi coral"}, // h100's is unknown
	{"cpu.max_mhz == 1800", "pi"},
	// sizes with units
	{"mem.total >= 8GiB", "rk h100 ws"},
	{"mem.total < 1GiB", "coral"},
	{"mem.total >= 1.5GB", "rk h100 pi ws"},
	{"mem.total == 1011MiB", "coral"},
	{"mem.total == 1060110336", "coral"},
	{"mem.total == 1035264KiB", "coral"},
	{"mem.total >= 0.1TB", "h100"},
	{"mem.total >= 0.12TiB", "h100"},
	{"mem.total >= 0.125TiB", ""},
	{"mem.total < 1060110337B", "coral"},
	{"mem.total == 0", ""},
	{"mem.total != 0", "rk h100 pi coral ws empty"},
	{"mem.available >= 512MiB", "rk h100 pi coral ws"},
	{"mem.available > 600MiB", "rk h100 pi ws"},
	{"mem.available >= 600MiB", "rk h100 pi coral ws"},
	{"mem.usable >= 1GB", "rk h100 ws"},
	{"mem.usable >= 900MB", "rk h100 pi ws"},
	{"mem.usable <= 512MiB", "coral"},
	{"mem.cgroup_limit > 0", "pi coral"},
	{"mem.cgroup_limit <= 512MiB", "coral"},
	{"mem.cgroup_limit == 1GiB", "pi"},
	{"mem.cgroup_limit >= 64KiB", "pi coral"},
	{"mem.cgroup_limit < 100MB", ""}, // unlimited is no bound
	// board
	{`board.model has "Raspberry Pi"`, "pi"},
	{`board.model has "raspberry pi"`, ""},
	{`board.model == "Radxa ROCK 5B"`, "rk"},
	{`board.model != "Radxa ROCK 5B"`, "h100 pi coral ws empty"},
	{`board.compatible has "rockchip,rk3588"`, "rk"},
	{`board.compatible == "brcm,bcm2711"`, "pi"},
	{`board.compatible has "fsl,imx8mq"`, "coral"},
	{`board.compatible has fsl`, ""},
	{`board.compatible != "fsl,imx8mq"`, "rk h100 pi ws empty"},
	// thermal
	{"thermal.throttled == true", "pi"},
	{"thermal.throttled == false", "rk h100 coral ws empty"},
	{"thermal.throttled != true", "rk h100 coral ws empty"},
	{"thermal.throttled != false", "pi"},
	// gpu: any device satisfies; != when none equals
	{"gpu.kind == nvidia", "h100 ws"},
	{"gpu.kind == NVIDIA", "h100 ws"},
	{"gpu.kind == intel", "ws"},
	{"gpu.kind != intel", "rk h100 pi coral empty"},
	{"gpu.kind != nvidia", "rk pi coral empty"},
	{"gpu.kind has nvi", "h100 ws"},
	{"gpu.vendor == arm", "rk"},
	{"gpu.vendor == intel", "ws"},
	{`gpu.name == "NVIDIA H100 80GB HBM3"`, "h100"},
	{`gpu.name == "nvidia h100 80gb hbm3"`, ""},
	{`gpu.name has H100`, "h100"},
	{`gpu.name has "RTX 30"`, "ws"},
	{`gpu.name has h100`, ""},
	{"gpu.memory >= 8GiB", "h100 ws"},
	{"gpu.memory >= 79GiB", "h100"},
	{"gpu.memory >= 80GiB", ""}, // 81559 MiB is 79.6 GiB
	{"gpu.memory >= 80GB", "h100"},
	{"gpu.memory == 81559MiB", "h100"},
	{"gpu.memory < 16GiB", "ws"}, // the Intel GPU's unknown memory is not < 16GiB
	{"gpu.memory < 1GiB", ""},    // nor < 1GiB
	{"gpu.memory != 12GiB", "rk h100 pi coral empty"},
	{"gpu.compute_capability >= 8.0", "h100 ws"},
	{"gpu.compute_capability >= 8.7", "h100"},
	{"gpu.compute_capability == 9", "h100"},
	{"gpu.compute_capability == 9.0.0", "h100"},
	{"gpu.compute_capability < 9.0", "ws"},
	{"gpu.compute_capability <= 8.6", "ws"},
	{"gpu.compute_capability > 8.10", "h100"}, // 9.0 > 8.10 > 8.6
	{"gpu.compute_capability != 9.0", "rk pi coral ws empty"},
	{"gpu.compute_capability >= 10.0", ""},
	{"gpu.count == 0", "pi coral empty"},
	{"gpu.count == 1", "rk h100"},
	{"gpu.count >= 2", "ws"},
	{"gpu.count != 0", "rk h100 ws"},
	// npu
	{"npu.kind == edgetpu", "coral"},
	{"npu.kind == RKNPU", "rk"},
	{"npu.kind != edgetpu", "rk h100 pi ws empty"},
	{"npu.kind has npu", "rk"},
	{"npu.vendor == google", "coral"},
	{`npu.name has "Edge TPU"`, "coral"},
	{`npu.name == RKNPU`, "rk"},
	{"npu.count >= 1", "rk coral"},
	{"npu.count == 0", "h100 pi ws empty"},
	{"npu.count < 1", "h100 pi ws empty"},
	{"npu.accessible == true", "rk"},
	{"npu.accessible == false", "h100 pi coral ws empty"},
	{"npu.accessible != true", "h100 pi coral ws empty"},
	// combinations, precedence, not, parentheses
	{"arch == arm64 and cpu.features has asimddp", "rk"},
	{"npu.kind == edgetpu and npu.accessible == true", ""},
	{"arch == amd64 and gpu.count == 0 or npu.kind == edgetpu", "coral"},                // (a and b) or c
	{"arch == amd64 and (gpu.count == 0 or npu.kind == edgetpu)", ""},                   // a and (b or c)
	{"npu.kind == edgetpu or gpu.kind == nvidia and gpu.memory >= 40GiB", "coral h100"}, // a or (b and c)
	{"(npu.kind == edgetpu or gpu.kind == nvidia) and gpu.memory >= 40GiB", "h100"},
	{"not arch == arm64", "h100 ws empty"},
	{"not not arch == arm64", "rk pi coral"},
	{"not (arch == arm64 and cpu.logical >= 8)", "h100 pi coral ws empty"},
	{"not arch == arm64 and cpu.logical >= 8", "h100 ws"}, // (not a) and b
	{"not arch == arm64 or cpu.logical >= 8", "rk h100 ws empty"},
	{"((arch == arm64))", "rk pi coral"},
	{"arch==arm64 and(cpu.logical>=8)", "rk"},
	{"\tarch\n==\r\narm64 ", "rk pi coral"},
	{"arch == arm or arch == arm64 or arch == riscv64", "rk pi coral"},
	{"mem.available >= 512MiB and not thermal.throttled == true and cpu.usable >= 2", "rk h100 coral ws"},
	{"gpu.kind == nvidia and (gpu.compute_capability >= 8.0 or gpu.memory >= 40GiB)", "h100 ws"},
}

func TestRequirementMatch(t *testing.T) {
	profiles := reqTestProfiles()
	for _, tc := range reqMatchCases {
		r, err := ParseRequirement(tc.req)
		if err != nil {
			t.Errorf("ParseRequirement(%q): %v", tc.req, err)
			continue
		}
		want := map[string]bool{}
		for _, n := range strings.Fields(tc.match) {
			if profiles[n] == nil {
				t.Fatalf("case %q names unknown profile %q", tc.req, n)
			}
			want[n] = true
		}
		canon, err := ParseRequirement(r.String())
		if err != nil {
			t.Errorf("ParseRequirement(%q) (canonical form of %q): %v", r.String(), tc.req, err)
			continue
		}
		for _, n := range reqProfileNames {
			got, err := r.Match(profiles[n])
			if err != nil {
				t.Errorf("%q on %s: %v", tc.req, n, err)
				continue
			}
			if got != want[n] {
				t.Errorf("%q on %s: %v, want %v\n%s", tc.req, n, got, want[n], r.Explain(profiles[n]))
			}
			if cg, _ := canon.Match(profiles[n]); cg != got {
				t.Errorf("%q on %s: canonical form %q gives %v, the original %v", tc.req, n, r.String(), cg, got)
			}
		}
	}
}

// TestRequirementFieldsCovered makes sure every field has match cases.
func TestRequirementFieldsCovered(t *testing.T) {
	used := map[string]bool{}
	for _, tc := range reqMatchCases {
		r, err := ParseRequirement(tc.req)
		if err != nil {
			continue
		}
		reqCollectFields(r.root, used)
	}
	for _, f := range reqFieldList {
		if !used[f.name] {
			t.Errorf("field %s has no match case", f.name)
		}
	}
	if len(reqFieldList) != len(reqFields) {
		t.Errorf("fieldList has %d fields, fields %d: duplicate name?", len(reqFieldList), len(reqFields))
	}
}

func reqCollectFields(e reqExpr, used map[string]bool) {
	switch e := e.(type) {
	case *reqComparison:
		used[e.field] = true
	case *reqAndExpr:
		for _, k := range e.kids {
			reqCollectFields(k, used)
		}
	case *reqOrExpr:
		for _, k := range e.kids {
			reqCollectFields(k, used)
		}
	case *reqNotExpr:
		reqCollectFields(e.kid, used)
	}
}

// TestRequirementFieldsDocumented checks that require.go's table lists
// every field.
func TestRequirementFieldsDocumented(t *testing.T) {
	src := reqReadOwnSource(t, "require.go")
	for _, f := range reqFieldList {
		if !strings.Contains(src, "//\t"+f.name+" ") {
			t.Errorf("field %s is not in the package documentation's table", f.name)
		}
	}
}

func TestRequirementParseErrors(t *testing.T) {
	nested := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "arch == arm64" + strings.Repeat(close, n)
	}
	cases := []struct {
		req    string
		column int
		msg    string
	}{
		{"arch = arm64", 6, `unknown operator "=" (want ==, !=, <, <=, >, >=, has)`},
		{"arch => arm64", 6, `unknown operator "=>" (want ==, !=, <, <=, >, >=, has)`},
		{"arch ! arm64", 6, `unknown operator "!" (want ==, !=, <, <=, >, >=, has)`},
		{"arch contains arm", 6, `unknown operator "contains" (want ==, !=, <, <=, >, >=, has)`},
		{"arch HAS arm", 6, `unknown operator "HAS" (want ==, !=, <, <=, >, >=, has; keywords are lowercase)`},
		{"", 1, "unexpected end (want a comparison such as arch == arm64)"},
		{"   ", 4, "unexpected end (want a comparison such as arch == arm64)"},
		{"arch", 5, "unexpected end after arch (want an operator: ==, !=, <, <=, >, >=, has)"},
		{"arch (", 6, `unexpected "(" after arch (want an operator: ==, !=, <, <=, >, >=, has)`},
		{"arch ==", 8, "unexpected end after arch == (want a value: a word, a number or a quoted string)"},
		{"arch == ==", 9, `unexpected "==" after arch == (want a value: a word, a number or a quoted string)`},
		{"arch == )", 9, `unexpected ")" after arch == (want a value: a word, a number or a quoted string)`},
		{"cpu.feature has avx2", 1, `unknown field "cpu.feature" (did you mean cpu.features?)`},
		{"mem.avail >= 1GiB", 1, `unknown field "mem.avail" (want mem.total, mem.available, mem.usable, mem.cgroup_limit)`},
		{"Arch == arm64", 1, `unknown field "Arch" (did you mean arch? fields are lowercase)`},
		{"GPU.KIND == nvidia", 1, `unknown field "GPU.KIND" (did you mean gpu.kind? fields are lowercase)`},
		{"zzz == 1", 1, `unknown field "zzz" (want arch, os.*, cpu.*, mem.*, board.*, thermal.*, gpu.* or npu.*)`},
		{"and == 1", 1, `unexpected "and" (want a comparison such as arch == arm64)`},
		{"== arm64", 1, `unexpected "==" (want a comparison such as arch == arm64)`},
		{`"arch" == arm64`, 1, `unexpected string "arch" (want a comparison such as arch == arm64)`},
		{"arch == arm64 and", 18, "unexpected end (want a comparison such as arch == arm64)"},
		{"arch == arm64 or or arch == arm", 18, `unexpected "or" (want a comparison such as arch == arm64)`},
		{"not", 4, "unexpected end (want a comparison such as arch == arm64)"},
		{"()", 2, `unexpected ")" (want a comparison such as arch == arm64)`},
		{"arch == arm64 AND cpu.logical >= 4", 15, `unexpected "AND" (want and, or or the end; keywords are lowercase)`},
		{"arch == arm64 arch == arm", 15, `unexpected "arch" (want and, or or the end)`},
		{"arch == arm64)", 14, `unexpected ")" (want and, or or the end; no "(" is open)`},
		{"(arch == arm64", 15, `unexpected end (want and, or or ) to close the ( at column 1)`},
		{"arch == arm or (arch == arm64 (", 31, `unexpected "(" (want and, or or ) to close the ( at column 16)`},
		{`arch == "arm64`, 9, `unterminated string (want a closing ")`},
		{`arch == "a\nb"`, 11, `unknown escape in string (want \" or \\)`},
		{`arch == "a\`, 11, `unknown escape in string (want \" or \\)`},
		{"arch == arm64 & npu.count > 0", 15, `unexpected character '&' (want a field, an operator, a value, a quoted string, ( or ))`},
		{"arch == 'arm64'", 9, `unexpected character '\'' (want a field, an operator, a value, a quoted string, ( or ))`},
		{"arch == ärm64", 9, `unexpected character 'ä' (want a field, an operator, a value, a quoted string, ( or ))`},
		{"arch == \xff", 9, `unexpected character byte 0xff (want a field, an operator, a value, a quoted string, ( or ))`},
		{`board.model == "Café" andd arch == arm64`, 23, `unexpected "andd" (want and, or or the end)`}, // columns count characters
		{"mem.total >= 512Mb", 14, `unknown size unit "Mb" in 512Mb (want B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)`},
		{"mem.total >= 2gib", 14, `unknown size unit "gib" in 2gib (want B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)`},
		{"mem.total >= 1.5.3GiB", 14, `bad number "1.5.3GiB" (want a size such as 512MiB, 2GiB, 1.5GB or plain bytes)`},
		{"mem.total >= 1.GiB", 14, `bad number "1.GiB" (want a size such as 512MiB, 2GiB, 1.5GB or plain bytes)`},
		{"mem.total >= .5GiB", 14, `bad number ".5GiB" (want a size such as 512MiB, 2GiB, 1.5GB or plain bytes)`},
		{"cpu.logical >= 4x", 16, `unknown size unit "x" in 4x (want B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)`},
		{"cpu.logical >= 4-8", 16, `bad number "4-8" (want a number such as 4)`},
		{"gpu.compute_capability >= 8.x", 27, `bad version "8.x" (want numbers joined by dots, such as 8.0)`},
		{"gpu.compute_capability >= 8..0", 27, `bad version "8..0" (want numbers joined by dots, such as 8.0)`},
		{"os.kernel >= 6.x", 14, `bad version "6.x" (want numbers joined by dots, such as 6.1)`},
		{nested("(", ")", maxRequirementDepth+1), maxRequirementDepth + 1, "nested too deeply (want at most 32 levels of ( and not)"},
		{nested("not ", "", maxRequirementDepth+1), 4*maxRequirementDepth + 1, "nested too deeply (want at most 32 levels of ( and not)"},
		{nested("not (", ")", 17), 1 + 5*16, "nested too deeply (want at most 32 levels of ( and not)"},
	}
	for _, tc := range cases {
		r, err := ParseRequirement(tc.req)
		if err == nil {
			t.Errorf("ParseRequirement(%q) = %q, want an error at column %d", tc.req, r, tc.column)
			continue
		}
		var re *RequirementError
		if !errors.As(err, &re) {
			t.Errorf("ParseRequirement(%q): error %T, want *RequirementError", tc.req, err)
			continue
		}
		if re.Column != tc.column || re.Msg != tc.msg {
			t.Errorf("ParseRequirement(%q):\n got column %d: %s\nwant column %d: %s", tc.req, re.Column, re.Msg, tc.column, tc.msg)
		}
		if re.Requirement != tc.req && len(tc.req) <= 80 {
			t.Errorf("ParseRequirement(%q): error names %q", tc.req, re.Requirement)
		}
	}

	// The brief's example, as a whole message.
	_, err := ParseRequirement("arch = arm64")
	want := `requirement "arch = arm64": column 6: unknown operator "=" (want ==, !=, <, <=, >, >=, has)`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestRequirementLimits(t *testing.T) {
	for _, s := range []string{
		strings.Repeat("(", maxRequirementDepth) + "arch == arm64" + strings.Repeat(")", maxRequirementDepth),
		strings.Repeat("not ", maxRequirementDepth) + "arch == arm64",
	} {
		if _, err := ParseRequirement(s); err != nil {
			t.Errorf("depth %d: %v", maxRequirementDepth, err)
		}
	}

	pad := func(n int) string {
		s := `board.model == " "` // the space keeps it quoted in the canonical form
		return `board.model == " ` + strings.Repeat("x", n-len(s)) + `"`
	}
	if r, err := ParseRequirement(pad(maxRequirementLen)); err != nil {
		t.Errorf("%d bytes: %v", maxRequirementLen, err)
	} else if len(r.String()) != maxRequirementLen {
		t.Errorf("%d bytes: canonical form has %d", maxRequirementLen, len(r.String()))
	}
	_, err := ParseRequirement(pad(maxRequirementLen + 1))
	var re *RequirementError
	if !errors.As(err, &re) || re.Column != 0 || re.Msg != "too long: 4097 bytes (want at most 4096)" {
		t.Fatalf("4097 bytes: %v", err)
	}
	if !strings.HasSuffix(re.Requirement, "...") || len(re.Requirement) > 83 {
		t.Errorf("long requirement not shortened in the error: %q", re.Requirement)
	}
	if strings.Contains(err.Error(), "column") {
		t.Errorf("whole-text error names a column: %v", err)
	}

	// A long chain of clauses parses without deep recursion.
	long := "arch == arm64" + strings.Repeat(" or arch == arm64", 200)
	r, err := ParseRequirement(long)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := r.Match(reqPi4()); !ok {
		t.Error("long or-chain does not match")
	}
}

// TestRequirementTypeMismatch: operators and values a field's type has no
// meaning for parse, and Match reports them for every profile.
func TestRequirementTypeMismatch(t *testing.T) {
	cases := []struct {
		req    string
		column int
		msg    string
	}{
		{"cpu.vendor >= intel", 12, "operator >= does not apply to cpu.vendor, which is a string (want ==, != or has)"},
		{`cpu.vendor < "intel"`, 12, "operator < does not apply to cpu.vendor, which is a string (want ==, != or has)"},
		{"cpu.features >= 2", 14, "operator >= does not apply to cpu.features, which is a list of names (want ==, != or has)"},
		{"gpu.name > a", 10, "operator > does not apply to gpu.name, which is a name per device (want ==, != or has)"},
		{"mem.total has 4", 11, "operator has does not apply to mem.total, which is a size (want ==, !=, <, <=, >, >=)"},
		{"gpu.count has 1", 11, "operator has does not apply to gpu.count, which is a count (want ==, !=, <, <=, >, >=)"},
		{"gpu.compute_capability has 8", 24, "operator has does not apply to gpu.compute_capability, which is a version (want ==, !=, <, <=, >, >=)"},
		{"thermal.throttled < true", 19, "operator < does not apply to thermal.throttled, which is true or false (want == or !=)"},
		{"npu.accessible has true", 16, "operator has does not apply to npu.accessible, which is true or false (want == or !=)"},
		{"mem.total >= lots", 14, "mem.total is a size; lots is not (want a size such as 512MiB, 2GiB, 1.5GB or plain bytes)"},
		{`mem.total >= "512MiB"`, 14, `mem.total is a size; "512MiB" is not (want a size such as 512MiB, 2GiB, 1.5GB or plain bytes)`},
		{"cpu.logical >= 4GiB", 16, "cpu.logical is a count; 4GiB is not (want a plain number such as 4)"},
		{"cpu.max_mhz > 2GB", 15, "cpu.max_mhz is a number; 2GB is not (want a plain number such as 4)"},
		{"cpu.usable >= all", 15, "cpu.usable is a count; all is not (want a number such as 4)"},
		{"thermal.throttled == yes", 22, "thermal.throttled is true or false; yes is not (want true or false)"},
		{`thermal.throttled == "true"`, 22, `thermal.throttled is true or false; "true" is not (want true or false)`},
		{"npu.accessible == 1", 19, "npu.accessible is true or false; 1 is not (want true or false)"},
		{"gpu.compute_capability >= ampere", 27, "gpu.compute_capability is a version; ampere is not (want a version such as 8.0)"},
		{`gpu.compute_capability == "9.0"`, 27, `gpu.compute_capability is a version; "9.0" is not (want a version such as 8.0)`},
		{`os.kernel >= "6.1"`, 14, `operator >= on os.kernel compares versions; "6.1" is not one (want e.g. 6.1)`},
		{`os.kernel >= six`, 14, `operator >= on os.kernel compares versions; six is not one (want e.g. 6.1)`},
		// the first mismatch is reported, whatever the other clauses say
		{"arch == arm64 or cpu.vendor >= intel or mem.total has 1", 29, "operator >= does not apply to cpu.vendor, which is a string (want ==, != or has)"},
	}
	profiles := reqTestProfiles()
	for _, tc := range cases {
		r, err := ParseRequirement(tc.req)
		if err != nil {
			t.Errorf("ParseRequirement(%q): %v", tc.req, err)
			continue
		}
		for _, n := range append(reqProfileNames, "nil") {
			ok, err := r.Match(profiles[n]) // profiles["nil"] is nil
			var re *RequirementError
			if !errors.As(err, &re) {
				t.Errorf("%q on %s: %v, %v; want a *RequirementError", tc.req, n, ok, err)
				continue
			}
			if ok || re.Column != tc.column || re.Msg != tc.msg || re.Requirement != tc.req {
				t.Errorf("%q on %s:\n got %v, column %d: %s\nwant false, column %d: %s", tc.req, n, ok, re.Column, re.Msg, tc.column, tc.msg)
			}
		}
		if got := r.Explain(reqPi4()); !strings.Contains(got, ": error: column ") || !strings.Contains(got, tc.msg) {
			t.Errorf("Explain(%q) = %q, want the error", tc.req, got)
		}
	}
}

func TestRequirementString(t *testing.T) {
	cases := []struct{ in, want string }{
		{"arch==arm64", "arch == arm64"},
		{"  arch\t==\n\"arm64\"  ", "arch == arm64"},
		{"(arch == arm64)", "arch == arm64"},
		{"((arch == arm64))", "arch == arm64"},
		{"(arch == arm64 and cpu.logical >= 4) and npu.count >= 1", "arch == arm64 and cpu.logical >= 4 and npu.count >= 1"},
		{"arch == arm64 and (cpu.logical >= 4 and npu.count >= 1)", "arch == arm64 and cpu.logical >= 4 and npu.count >= 1"},
		{"(arch == arm64 or arch == arm) or arch == 386", "arch == arm64 or arch == arm or arch == 386"},
		{"(arch == arm64 or arch == arm) and cpu.logical >= 4", "(arch == arm64 or arch == arm) and cpu.logical >= 4"},
		{"arch == arm64 or (arch == arm and cpu.logical >= 4)", "arch == arm64 or arch == arm and cpu.logical >= 4"},
		{"not (arch == arm64)", "not arch == arm64"},
		{"not (not (arch == arm64))", "not not arch == arm64"},
		{"not (arch == arm64 or arch == arm)", "not (arch == arm64 or arch == arm)"},
		{"not (arch == arm64 and arch == arm)", "not (arch == arm64 and arch == arm)"},
		{"(not arch == arm64) and x86 == 1 or true", ""}, // unknown field: not parsed
		{`board.model has "Raspberry Pi"`, `board.model has "Raspberry Pi"`},
		{`board.compatible has "rockchip,rk3588"`, `board.compatible has "rockchip,rk3588"`},
		{`cpu.part == "0xd0b"`, "cpu.part == 0xd0b"},
		{`npu.kind == "intel-npu"`, "npu.kind == intel-npu"},
		{`npu.kind == "and"`, `npu.kind == "and"`},
		{`npu.kind == and`, `npu.kind == "and"`},
		{`arch == ""`, `arch == ""`},
		{`gpu.name == "say \"hi\" \\o/"`, `gpu.name == "say \"hi\" \\o/"`},
		{`gpu.name == "tab	and ü"`, `gpu.name == "tab	and ü"`},
		{"mem.total >= 512MiB", "mem.total >= 512MiB"},
		{"mem.total >= 1.5GB", "mem.total >= 1.5GB"},
		{"gpu.compute_capability >= 8.0", "gpu.compute_capability >= 8.0"},
		{`mem.total >= "512MiB"`, `mem.total >= "512MiB"`}, // a mismatch stays as written
		{`os.kernel >= "6.1"`, `os.kernel >= "6.1"`},
		{`os.kernel == "6.1"`, `os.kernel == 6.1`},
		{"thermal.throttled == true", "thermal.throttled == true"},
	}
	for _, tc := range cases {
		r, err := ParseRequirement(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("ParseRequirement(%q) = %q, want an error", tc.in, r)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseRequirement(%q): %v", tc.in, err)
			continue
		}
		if got := r.String(); got != tc.want {
			t.Errorf("ParseRequirement(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
		reqCheckRoundTrip(t, r)
	}
}

// TestRequirementRoundTripAll: every requirement these tests parse prints
// and re-parses to itself.
func TestRequirementRoundTripAll(t *testing.T) {
	n := 0
	for _, s := range requirementSeeds() {
		if r, err := ParseRequirement(s); err == nil {
			reqCheckRoundTrip(t, r)
			n++
		}
	}
	if n < 100 {
		t.Errorf("only %d seeds parse", n)
	}
}

// reqCheckRoundTrip fails unless r's canonical form parses to r again and
// prints the same.
func reqCheckRoundTrip(t testing.TB, r *Requirement) {
	t.Helper()
	s := r.String()
	r2, err := parseRequirement(s, 1<<20)
	if err != nil {
		t.Fatalf("canonical form %q does not parse: %v", s, err)
	}
	if s2 := r2.String(); s2 != s {
		t.Fatalf("canonical form %q prints as %q", s, s2)
	}
	if !reflect.DeepEqual(r.root, r2.root) {
		t.Fatalf("canonical form %q parses to another requirement", s)
	}
	if (r.err == nil) != (r2.err == nil) || r.err != nil && r.err.Msg != r2.err.Msg {
		t.Fatalf("canonical form %q: mismatch %v, original %v", s, r2.err, r.err)
	}
}

func TestRequirementExplain(t *testing.T) {
	many := reqPi4()
	for i := 0; i < 40; i++ {
		many.CPU.Flags = append(many.CPU.Flags, "f"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	many.CPU.Flags = many.CPU.Flags[5:]
	cases := []struct {
		req  string
		p    *Profile
		want string
	}{
		{"cpu.features has avx512_vnni", reqRk3588(), "cpu.features has avx512_vnni: false (cpu.features: asimd asimddp fp16)"},
		{"cpu.features has avx512_vnni", reqH100(), "cpu.features has avx512_vnni: true (cpu.features: sse4_1 sse4_2 avx avx2 fma avx512f avx512bw avx512vl avx512_vnni avx_vnni amx)"},
		{"cpu.features has avx2", &Profile{}, "cpu.features has avx2: false (cpu.features: none)"},
		{"cpu.features has avx2", nil, "cpu.features has avx2: false (cpu.features: none)"},
		{"arch == arm64", reqH100(), "arch == arm64: false (arch: amd64)"},
		{"arch == arm64", &Profile{}, "arch == arm64: false (arch: unknown)"},
		{"cpu.max_mhz >= 1000", reqH100(), "cpu.max_mhz >= 1000: false (cpu.max_mhz: unknown)"},
		{"cpu.usable >= 4", reqPi4(), "cpu.usable >= 4: false (cpu.usable: 2)"},
		{"mem.usable >= 1GiB", reqPi4(), "mem.usable >= 1GiB: false (mem.usable: 924MiB)"},
		{"mem.total >= 1GiB", reqH100(), "mem.total >= 1GiB: true (mem.total: 131981020KiB)"},
		{"gpu.memory >= 80GiB", reqH100(), "gpu.memory >= 80GiB: false (gpu.memory: 81559MiB)"},
		{"gpu.memory >= 8GiB", reqPi4(), "gpu.memory >= 8GiB: false (gpu.memory: no GPUs)"},
		{"gpu.memory >= 8GiB", reqWorkstation(), "gpu.memory >= 8GiB: true (gpu.memory: 12GiB)"},
		{"gpu.kind == amd", reqWorkstation(), "gpu.kind == amd: false (gpu.kind: nvidia intel)"},
		{"gpu.compute_capability >= 9.0", reqWorkstation(), "gpu.compute_capability >= 9.0: false (gpu.compute_capability: 8.6)"},
		{`gpu.name has H100`, reqH100(), `gpu.name has H100: true (gpu.name: "NVIDIA H100 80GB HBM3")`},
		{`board.model has "Raspberry Pi"`, reqCoral(), `board.model has "Raspberry Pi": false (board.model: "Freescale i.MX8MQ Phanbeh")`},
		{"npu.accessible == true", reqCoral(), "npu.accessible == true: false (npu.accessible: false)"},
		{"npu.accessible == true", reqPi4(), "npu.accessible == true: false (npu.accessible: false, no NPUs)"},
		{"npu.kind == edgetpu", reqPi4(), "npu.kind == edgetpu: false (npu.kind: no NPUs)"},
		{"gpu.count >= 1", reqPi4(), "gpu.count >= 1: false (gpu.count: 0)"},
		{"thermal.throttled == false", reqPi4(), "thermal.throttled == false: false (thermal.throttled: true)"},
		{"os.kernel >= 6.1", reqRk3588(), "os.kernel >= 6.1: false (os.kernel: 5.10.160-rockchip-rk3588)"},
		{"cpu.flags has sve", many, "cpu.flags has sve: false (cpu.flags: " +
			strings.Join(many.CPU.Flags[:32], " ") + " ... (8 more))"},
		// and: false shows the failing clauses only
		{"arch == arm64 and cpu.features has asimddp and mem.available >= 512MiB", reqPi4(),
			"arch == arm64 and cpu.features has asimddp and mem.available >= 512MiB: false\n" +
				"  cpu.features has asimddp: false (cpu.features: asimd)"},
		{"arch == arm64 and cpu.features has asimddp and mem.available >= 8GiB", reqPi4(),
			"arch == arm64 and cpu.features has asimddp and mem.available >= 8GiB: false\n" +
				"  cpu.features has asimddp: false (cpu.features: asimd)\n" +
				"  mem.available >= 8GiB: false (mem.available: 3200MiB)"},
		// and: true shows every clause
		{"arch == arm64 and npu.kind == rknpu", reqRk3588(),
			"arch == arm64 and npu.kind == rknpu: true\n" +
				"  arch == arm64: true (arch: arm64)\n" +
				"  npu.kind == rknpu: true (npu.kind: rknpu)"},
		// or: true shows the clauses that hold; false shows them all
		{"npu.kind == edgetpu or npu.kind == hailo or npu.kind == rknpu", reqRk3588(),
			"npu.kind == edgetpu or npu.kind == hailo or npu.kind == rknpu: true\n" +
				"  npu.kind == rknpu: true (npu.kind: rknpu)"},
		{"npu.kind == edgetpu or gpu.kind == nvidia", reqPi4(),
			"npu.kind == edgetpu or gpu.kind == nvidia: false\n" +
				"  npu.kind == edgetpu: false (npu.kind: no NPUs)\n" +
				"  gpu.kind == nvidia: false (gpu.kind: no GPUs)"},
		// not, and nesting
		{"not thermal.throttled == true", reqPi4(),
			"not thermal.throttled == true: false\n" +
				"  thermal.throttled == true: true (thermal.throttled: true)"},
		{"arch == arm64 and (npu.kind == edgetpu or cpu.usable >= 4)", reqPi4(),
			"arch == arm64 and (npu.kind == edgetpu or cpu.usable >= 4): false\n" +
				"  npu.kind == edgetpu or cpu.usable >= 4: false\n" +
				"    npu.kind == edgetpu: false (npu.kind: no NPUs)\n" +
				"    cpu.usable >= 4: false (cpu.usable: 2)"},
		{"cpu.vendor >= intel", reqPi4(), "cpu.vendor >= intel: error: column 12: operator >= does not apply to cpu.vendor, which is a string (want ==, != or has)"},
	}
	for _, tc := range cases {
		r, err := ParseRequirement(tc.req)
		if err != nil {
			t.Errorf("ParseRequirement(%q): %v", tc.req, err)
			continue
		}
		if got := r.Explain(tc.p); got != tc.want {
			t.Errorf("Explain(%q):\n got %s\nwant %s", tc.req, got, tc.want)
		}
	}
}

// TestRequirementExplainAgrees: Explain's first line gives Match's result.
func TestRequirementExplainAgrees(t *testing.T) {
	profiles := reqTestProfiles()
	for _, tc := range reqMatchCases {
		r, err := ParseRequirement(tc.req)
		if err != nil {
			continue
		}
		for _, n := range reqProfileNames {
			ok, _ := r.Match(profiles[n])
			first, _, _ := strings.Cut(r.Explain(profiles[n]), "\n")
			prefix := r.String() + ": "
			if !strings.HasPrefix(first, prefix) || !strings.HasPrefix(first[len(prefix):], map[bool]string{true: "true", false: "false"}[ok]) {
				t.Errorf("%q on %s: Match %v, Explain %q", tc.req, n, ok, first)
			}
		}
	}
}

// TestRequirementConcurrent: one Requirement serves many goroutines
// (run with -race where cgo is available).
func TestRequirementConcurrent(t *testing.T) {
	r, err := ParseRequirement("arch == arm64 and (cpu.features has asimddp or npu.count > 0) and mem.usable >= 512MiB")
	if err != nil {
		t.Fatal(err)
	}
	profiles := reqTestProfiles()
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				for _, n := range reqProfileNames {
					ok, err := r.Match(profiles[n])
					if want := n == "rk" || n == "coral"; err != nil || ok != want {
						select {
						case errs <- n:
						default:
						}
					}
					_ = r.Explain(profiles[n])
					_ = r.String()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for n := range errs {
		t.Errorf("concurrent Match on %s gave a wrong result", n)
	}
}

func TestVersionCompare(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"8.0", "8", 0}, {"9.0.0", "9", 0}, {"8.10", "8.9", 1}, {"8.7", "8.10", -1},
		{"10.0", "9.9", 1}, {"007.1", "7.01", 0}, {"0", "0.0", 0},
		{"99999999999999999999999.1", "99999999999999999999999.0", 1},
		{"1.0", "100000000000000000000000000000", -1},
	}
	for _, tc := range cases {
		a, ok1 := reqParseVersion(tc.a)
		b, ok2 := reqParseVersion(tc.b)
		if !ok1 || !ok2 {
			t.Fatalf("parseVersion(%q, %q) failed", tc.a, tc.b)
		}
		if got := reqCompareVersions(a, b); got != tc.want {
			t.Errorf("compareVersions(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	for _, s := range []string{"", ".", "1.", ".1", "1..2", "a", "1.a", "1 .2", "-1"} {
		if v, ok := reqParseVersion(s); ok {
			t.Errorf("parseVersion(%q) = %v, want failure", s, v)
		}
	}
	lead := map[string]string{
		"6.1.0-18-arm64": "6.1.0", "5.10.160-rockchip-rk3588": "5.10.160", "6.6.31+rpt-rpi-v8": "6.6.31",
		"4.14.98-imx": "4.14.98", "6.": "6", "6..1": "6",
	}
	for s, want := range lead {
		v, ok := reqLeadingVersion(s)
		if got := strings.Join(v, "."); !ok || got != want {
			t.Errorf("leadingVersion(%q) = %q, %v; want %q", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "linux", ".6.1"} {
		if v, ok := reqLeadingVersion(s); ok {
			t.Errorf("leadingVersion(%q) = %v, want failure", s, v)
		}
	}
}

func TestSizeUnits(t *testing.T) {
	cases := map[string]float64{
		"0": 0, "512": 512, "1.5": 1.5, "1B": 1, "64KiB": 64 << 10, "512MiB": 512 << 20, "2GiB": 2 << 30,
		"1TiB": 1 << 40, "1.5GiB": 1.5 * (1 << 30), "100MB": 100e6, "1.5GB": 1.5e9, "64KB": 64000,
		"2TB": 2e12, "0.1KB": 100, "1.1MB": 1100000,
	}
	for s, want := range cases {
		r, err := ParseRequirement("mem.total == " + s)
		if err != nil {
			t.Errorf("%s: %v", s, err)
			continue
		}
		c := r.root.(*reqComparison)
		if c.val.num != want {
			t.Errorf("%s = %v bytes, want %v", s, c.val.num, want)
		}
	}
	// A number too large for float64 is +Inf and still compares.
	r, err := ParseRequirement("mem.total < " + strings.Repeat("9", 400) + "TiB")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := r.Match(reqH100()); !ok || err != nil {
		t.Errorf("huge bound: %v, %v", ok, err)
	}
}

// requirementSeeds are every requirement the tests use, for the fuzz corpus.
func requirementSeeds() []string {
	var seeds []string
	for _, tc := range reqMatchCases {
		seeds = append(seeds, tc.req)
	}
	seeds = append(seeds,
		"arch = arm64", "", "(", ")", "not", `"`, `"\`, "arch == \"a\\\"b\"", "mem.total >= 512Mb",
		"mem.total >= 1.5.3GiB", "gpu.compute_capability >= 8.x", "cpu.vendor >= intel",
		"mem.total has 4", "thermal.throttled == yes", `os.kernel >= "6.1"`, "arch == ärm64",
		"arch == \xff", "arch==arm64 and(cpu.logical>=8)", `npu.kind == and`, `arch == ""`,
		strings.Repeat("(", 40)+"arch == arm64"+strings.Repeat(")", 40),
		strings.Repeat("not ", 40)+"arch == arm64",
	)
	sort.Strings(seeds)
	return seeds
}

// FuzzParseRequirement: arbitrary input never panics; whatever parses prints
// a canonical form that parses to the same requirement, matches the same
// profiles and explains without panicking.
func FuzzParseRequirement(f *testing.F) {
	for _, s := range requirementSeeds() {
		f.Add(s)
	}
	profiles := reqTestProfiles()
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRequirement(s)
		if err != nil {
			var re *RequirementError
			if !errors.As(err, &re) {
				t.Fatalf("error %T: %v", err, err)
			}
			if re.Column < 0 || re.Column > utf8.RuneCountInString(s)+1 || re.Msg == "" {
				t.Fatalf("error with column %d for %d characters: %v", re.Column, utf8.RuneCountInString(s), err)
			}
			_ = err.Error()
			return
		}
		reqCheckRoundTrip(t, r)
		r2, _ := parseRequirement(r.String(), 1<<20)
		for _, n := range reqProfileNames {
			ok1, err1 := r.Match(profiles[n])
			ok2, err2 := r2.Match(profiles[n])
			if ok1 != ok2 || (err1 == nil) != (err2 == nil) {
				t.Fatalf("%q and its canonical form %q disagree on %s: %v %v / %v %v", s, r.String(), n, ok1, err1, ok2, err2)
			}
			if x := r.Explain(profiles[n]); !strings.HasPrefix(x, r.String()+": ") {
				t.Fatalf("Explain(%q) = %q", s, x)
			}
		}
	})
}

// reqReadOwnSource reads a file of this package.
func reqReadOwnSource(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
