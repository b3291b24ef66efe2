package hwprobe

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

// Feature names
//
// CPU.Features holds the instruction-set features that kernels are chosen
// by, under the names the requirement language uses
// (`cpu.features has avx512_vnni`). They are the kernel's /proc/cpuinfo
// names, with these normalizations:
//
//   - amd64 and 386 ("flags"): sse3 (from pni), sse4_1, sse4_2, avx, avx2,
//     fma, f16c, the avx512* family (avx512f, avx512bw, avx512vl, avx512dq,
//     avx512_vnni, avx512_bf16 ...), avx_vnni, and amx when amx_tile is
//     present (amx_tile, amx_int8, amx_bf16 are kept as they are).
//   - arm64 ("Features"): asimd, with its alias neon; asimddp, with its alias
//     dotprod; i8mm, sve, sve2, bf16, and fp16 when both fphp and asimdhp
//     are present.
//   - arm, 32-bit ("Features"): neon, vfpv3, vfpv4, vfpd32, idiva, idivt and
//     the crypto extensions; fp16 when both fphp and asimdhp are present.
//
// Every raw flag stays in CPU.Flags.

// cpuFlavor is the shape of /proc/cpuinfo, which decides how its flags read.
type cpuFlavor int

const (
	flavorUnknown cpuFlavor = iota
	flavorX86               // vendor_id, flags
	flavorARM64             // CPU implementer, Features: fp asimd ...
	flavorARM               // CPU implementer, Features: half thumb vfp neon ...
	flavorRISCV             // isa: rv64imafdc...
)

// x86Features lists the x86 flags kept as features, under their own
// names; x86Renames the flags kept under another name.
var x86Features = featureSet(`sse sse2 ssse3 sse4_1 sse4_2 popcnt aes pclmulqdq sha_ni
	avx avx2 fma f16c bmi1 bmi2 movbe vaes vpclmulqdq gfni
	avx512f avx512cd avx512bw avx512dq avx512vl avx512ifma avx512vbmi
	avx512_vbmi2 avx512_vnni avx512_bitalg avx512_vpopcntdq avx512_bf16
	avx512_fp16 avx512_vp2intersect avx_vnni avx_vnni_int8 avx_ifma
	avx_ne_convert amx_tile amx_int8 amx_bf16 amx_fp16 amx_complex`)

var x86Renames = map[string]string{"pni": "sse3", "avx512vnni": "avx512_vnni"}

// arm64Features lists the arm64 hwcaps kept as features.
var arm64Features = featureSet(`fp asimd asimddp i8mm sve sve2 bf16 svei8mm svebf16
	sme sme2 asimdrdm asimdfhm atomics aes pmull sha1 sha2 sha3 sha512 crc32
	jscvt fcma lrcpc`)

// armFeatures lists the 32-bit ARM hwcaps kept as features.
var armFeatures = featureSet(`neon vfp vfpv3 vfpv3d16 vfpv4 vfpd32 idiva idivt
	thumb half edsp lpae aes pmull sha1 sha2 crc32 asimddp i8mm asimdfhm`)

// featureSet makes a set of the white-space separated featureSet of s.
func featureSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// normalizeFeatures returns the sorted feature names for the raw flags of
// a /proc/cpuinfo of the given flavor.
func normalizeFeatures(flavor cpuFlavor, flags []string) []string {
	have := make(map[string]bool, len(flags))
	for _, f := range flags {
		have[f] = true
	}
	set := map[string]bool{}
	switch flavor {
	case flavorX86:
		for _, f := range flags {
			if x86Features[f] {
				set[f] = true
			} else if n, ok := x86Renames[f]; ok {
				set[n] = true
			}
		}
		if have["amx_tile"] {
			set["amx"] = true
		}
	case flavorARM64:
		for _, f := range flags {
			if arm64Features[f] {
				set[f] = true
			}
		}
		if have["asimd"] {
			set["neon"] = true
		}
		if have["asimddp"] {
			set["dotprod"] = true
		}
		if have["fphp"] && have["asimdhp"] {
			set["fp16"] = true
		}
	case flavorARM:
		for _, f := range flags {
			if armFeatures[f] {
				set[f] = true
			}
		}
		if have["asimdbf16"] {
			set["bf16"] = true
		}
		if have["asimddp"] {
			set["dotprod"] = true
		}
		if have["fphp"] && have["asimdhp"] {
			set["fp16"] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// armVendor is one CPU implementer of /proc/cpuinfo's "CPU implementer"
// with the names of its parts ("CPU part").
type armVendor struct {
	Name  string
	Parts map[uint64]string
}

// armParts names the implementers and parts of ARM cores. The ids are
// those of the MIDR register, as the kernel prints them (and as util-linux's
// lscpu names them).
var armParts = map[uint64]armVendor{
	0x41: {"ARM", map[uint64]string{
		0x810: "ARM810", 0x920: "ARM920", 0x922: "ARM922", 0x926: "ARM926",
		0x940: "ARM940", 0x946: "ARM946", 0x966: "ARM966",
		0xa20: "ARM1020", 0xa22: "ARM1022", 0xa26: "ARM1026",
		0xb02: "ARM11-MPCore", 0xb36: "ARM1136", 0xb56: "ARM1156", 0xb76: "ARM1176",
		0xc05: "Cortex-A5", 0xc07: "Cortex-A7", 0xc08: "Cortex-A8", 0xc09: "Cortex-A9",
		0xc0d: "Cortex-A17", 0xc0f: "Cortex-A15", 0xc0e: "Cortex-A17",
		0xc14: "Cortex-R4", 0xc15: "Cortex-R5", 0xc17: "Cortex-R7", 0xc18: "Cortex-R8",
		0xc20: "Cortex-M0", 0xc21: "Cortex-M1", 0xc23: "Cortex-M3", 0xc24: "Cortex-M4",
		0xc27: "Cortex-M7", 0xc60: "Cortex-M0+",
		0xd01: "Cortex-A32", 0xd02: "Cortex-A34", 0xd03: "Cortex-A53", 0xd04: "Cortex-A35",
		0xd05: "Cortex-A55", 0xd06: "Cortex-A65", 0xd07: "Cortex-A57", 0xd08: "Cortex-A72",
		0xd09: "Cortex-A73", 0xd0a: "Cortex-A75", 0xd0b: "Cortex-A76", 0xd0c: "Neoverse-N1",
		0xd0d: "Cortex-A77", 0xd0e: "Cortex-A76AE", 0xd13: "Cortex-R52", 0xd15: "Cortex-R82",
		0xd20: "Cortex-M23", 0xd21: "Cortex-M33",
		0xd40: "Neoverse-V1", 0xd41: "Cortex-A78", 0xd42: "Cortex-A78AE", 0xd43: "Cortex-A65AE",
		0xd44: "Cortex-X1", 0xd46: "Cortex-A510", 0xd47: "Cortex-A710", 0xd48: "Cortex-X2",
		0xd49: "Neoverse-N2", 0xd4a: "Neoverse-E1", 0xd4b: "Cortex-A78C", 0xd4c: "Cortex-X1C",
		0xd4d: "Cortex-A715", 0xd4e: "Cortex-X3", 0xd4f: "Neoverse-V2",
		0xd80: "Cortex-A520", 0xd81: "Cortex-A720", 0xd82: "Cortex-X4",
		0xd84: "Neoverse-V3", 0xd85: "Cortex-X925", 0xd87: "Cortex-A725",
		0xd8e: "Neoverse-N3",
	}},
	0x42: {"Broadcom", map[uint64]string{
		0x00f: "Brahma-B15", 0x100: "Brahma-B53", 0x516: "ThunderX2",
	}},
	0x43: {"Cavium", map[uint64]string{
		0x0a0: "ThunderX", 0x0a1: "ThunderX-88XX", 0x0a2: "ThunderX-81XX",
		0x0a3: "ThunderX-83XX", 0x0af: "ThunderX2-99xx", 0x0b0: "OcteonTX2",
		0x0b1: "OcteonTX2-98XX", 0x0b2: "OcteonTX2-96XX", 0x0b3: "OcteonTX2-95XX",
		0x0b8: "ThunderX3-T110",
	}},
	0x46: {"Fujitsu", map[uint64]string{0x001: "A64FX"}},
	0x48: {"HiSilicon", map[uint64]string{
		0xd01: "TaiShan-v110", 0xd02: "TaiShan-v120", 0xd40: "Cortex-A76", 0xd41: "Cortex-A77",
	}},
	0x4e: {"NVIDIA", map[uint64]string{
		0x000: "Denver", 0x003: "Denver-2", 0x004: "Carmel",
	}},
	0x50: {"APM", map[uint64]string{0x000: "X-Gene"}},
	0x51: {"Qualcomm", map[uint64]string{
		0x001: "Oryon", 0x00f: "Scorpion", 0x02d: "Scorpion", 0x04d: "Krait", 0x06f: "Krait",
		0x201: "Kryo", 0x205: "Kryo", 0x211: "Kryo",
		0x800: "Kryo-2XX-Gold", 0x801: "Kryo-2XX-Silver", 0x802: "Kryo-3XX-Gold",
		0x803: "Kryo-3XX-Silver", 0x804: "Kryo-4XX-Gold", 0x805: "Kryo-4XX-Silver",
		0xc00: "Falkor", 0xc01: "Saphira",
	}},
	0x53: {"Samsung", map[uint64]string{
		0x001: "Exynos-M1", 0x002: "Exynos-M3", 0x003: "Exynos-M4", 0x004: "Exynos-M5",
	}},
	0x56: {"Marvell", map[uint64]string{0x131: "Feroceon-88FR131", 0x581: "PJ4/PJ4b", 0x584: "PJ4B-MP"}},
	0x61: {"Apple", map[uint64]string{
		0x022: "Icestorm-M1", 0x023: "Firestorm-M1", 0x024: "Icestorm-M1-Pro",
		0x025: "Firestorm-M1-Pro", 0x028: "Icestorm-M1-Max", 0x029: "Firestorm-M1-Max",
		0x032: "Blizzard-M2", 0x033: "Avalanche-M2", 0x034: "Blizzard-M2-Pro",
		0x035: "Avalanche-M2-Pro", 0x038: "Blizzard-M2-Max", 0x039: "Avalanche-M2-Max",
	}},
	0x66: {"Faraday", map[uint64]string{0x526: "FA526", 0x626: "FA626"}},
	0x69: {"Intel", map[uint64]string{0x200: "i80200", 0x210: "PXA250A", 0x411: "PXA27x", 0x6fe: "IXP4xx"}},
	0x6d: {"Microsoft", map[uint64]string{0xd49: "Azure-Cobalt-100"}},
	0x70: {"Phytium", map[uint64]string{0x303: "FTC310", 0x660: "FTC660", 0x661: "FTC661", 0x662: "FTC662", 0x663: "FTC663", 0x664: "FTC664", 0x862: "FTC862"}},
	0xc0: {"Ampere", map[uint64]string{0xac3: "Ampere-1", 0xac4: "Ampere-1a"}},
}

// armVendorName names an implementer id ("0x41" -> "ARM"), or returns the
// id itself when it is not in the table.
func armVendorName(implementer string) string {
	if id, err := parseHexID(implementer); err == nil {
		if v, ok := armParts[id]; ok {
			return v.Name
		}
	}
	return implementer
}

// armPartName names a part of an implementer ("0x41", "0xd0b" ->
// "Cortex-A76"). An unknown part is named by its implementer and id
// ("ARM 0xd99"); ok is false then.
func armPartName(implementer, part string) (name string, ok bool) {
	implementer, part = strings.TrimSpace(implementer), strings.TrimSpace(part)
	vid, err1 := parseHexID(implementer)
	pid, err2 := parseHexID(part)
	if err1 == nil && err2 == nil {
		if v, found := armParts[vid]; found {
			if n, found := v.Parts[pid]; found {
				return n, true
			}
		}
	}
	return strings.TrimSpace(armVendorName(implementer) + " " + part), false
}

// parseHexID parses an id such as "0x41" or "0xd0b".
func parseHexID(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s = s[2:]
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("invalid id %q", s)
	}
	return v, nil
}

// UsableCPUs returns how many threads the profile's process should run
// on: CPU.Usable as the probe computed it (the cgroup's effective cpuset,
// capped by its cpu quota), else the same figure from the effective,
// online or logical CPU counts and the quota, else, for a profile of this
// machine, runtime.NumCPU(). It is always at least 1. The interpreter sizes
// its thread pool with it: the CPUs the cgroup allows, not the host's count.
func UsableCPUs(p *Profile) int {
	if p == nil {
		return max(runtime.NumCPU(), 1)
	}
	if p.CPU.Usable > 0 {
		return p.CPU.Usable
	}
	if n := computeUsable(p.CPU); n > 0 {
		return n
	}
	if p.Root == "" {
		return max(runtime.NumCPU(), 1)
	}
	return 1
}

// computeUsable returns min(CPUs allowed, ceil(quota)) from what a CPU
// holds, or 0 when it holds no CPU count at all.
func computeUsable(c CPU) int {
	n := c.Effective
	if n <= 0 {
		n = c.Online
	}
	if n <= 0 {
		n = c.Logical
	}
	if c.QuotaCPUs > 0 && !math.IsInf(c.QuotaCPUs, 0) {
		q := int(math.Min(math.Ceil(c.QuotaCPUs), 1<<20))
		if n <= 0 || q < n {
			n = q
		}
	}
	if n <= 0 {
		return 0
	}
	return n
}
