package hwprobe

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalizeFeatures(t *testing.T) {
	for _, c := range []struct {
		name     string
		flavor   cpuFlavor
		flags    string
		want     []string // must be there
		wantNone []string // must not
	}{
		{"amd64 with AMX", flavorX86, "fpu sse sse2 pni ssse3 sse4_1 sse4_2 avx avx2 fma f16c avx512f avx512bw avx512vl avx512dq avx512_vnni avx_vnni avx512_bf16 amx_tile amx_int8 amx_bf16 hypervisor",
			[]string{"sse3", "sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx", "amx_tile", "amx_int8", "amx_bf16"},
			[]string{"pni", "fpu", "hypervisor"}},
		{"amd64 without AMX", flavorX86, "sse4_1 avx2 amx_int8", []string{"avx2", "amx_int8"}, []string{"amx"}},
		{"old kernel's avx512vnni", flavorX86, "avx512vnni", []string{"avx512_vnni"}, []string{"avx512vnni"}},
		{"arm64 Neoverse-V1", flavorARM64, "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma lrcpc dcpop sha3 sm3 sm4 asimddp sha512 sve asimdfhm dit uscat ilrcpc flagm ssbs paca pacg dcpodp svei8mm svebf16 i8mm bf16 dgh rng",
			[]string{"asimd", "neon", "asimddp", "dotprod", "i8mm", "sve", "fp16", "bf16", "svei8mm"},
			[]string{"sve2", "fphp", "asimdhp", "evtstrm"}},
		{"arm64 half precision needs both", flavorARM64, "fp asimd fphp", []string{"asimd"}, []string{"fp16"}},
		{"arm64 sve2", flavorARM64, "fp asimd sve sve2", []string{"sve", "sve2"}, nil},
		{"armv7", flavorARM, "half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae evtstrm",
			[]string{"neon", "vfpv4", "vfpv3", "idiva", "idivt", "vfpd32"}, []string{"asimd", "fastmult", "tls"}},
		{"armv8 core in 32-bit mode", flavorARM, "half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt lpae evtstrm aes pmull sha1 sha2 crc32 asimddp asimdhp fphp asimdbf16 i8mm",
			[]string{"neon", "aes", "crc32", "asimddp", "dotprod", "fp16", "bf16", "i8mm"}, []string{"asimdbf16"}},
		{"unknown flavor", flavorUnknown, "avx2 asimd", nil, []string{"avx2", "asimd"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := normalizeFeatures(c.flavor, strings.Fields(c.flags))
			if got == nil || !slices.IsSorted(got) {
				t.Fatalf("features %v: nil or unsorted", got)
			}
			for _, f := range c.want {
				if !slices.Contains(got, f) {
					t.Errorf("%v lack %s", got, f)
				}
			}
			for _, f := range c.wantNone {
				if slices.Contains(got, f) {
					t.Errorf("%v have %s", got, f)
				}
			}
		})
	}
}

func TestARMPartNames(t *testing.T) {
	for _, c := range []struct {
		impl, part, name string
		ok               bool
	}{
		{"0x41", "0xd03", "Cortex-A53", true}, {"0x41", "0xd05", "Cortex-A55", true}, {"0x41", "0xd07", "Cortex-A57", true},
		{"0x41", "0xd08", "Cortex-A72", true}, {"0x41", "0xd09", "Cortex-A73", true}, {"0x41", "0xd0a", "Cortex-A75", true},
		{"0x41", "0xd0b", "Cortex-A76", true}, {"0x41", "0xd0d", "Cortex-A77", true}, {"0x41", "0xd41", "Cortex-A78", true},
		{"0x41", "0xd44", "Cortex-X1", true}, {"0x41", "0xd46", "Cortex-A510", true}, {"0x41", "0xd47", "Cortex-A710", true},
		{"0x41", "0xd48", "Cortex-X2", true}, {"0x41", "0xd80", "Cortex-A520", true}, {"0x41", "0xd81", "Cortex-A720", true},
		{"0x41", "0xd4e", "Cortex-X3", true}, {"0x41", "0xd82", "Cortex-X4", true},
		{"0x41", "0xd0c", "Neoverse-N1", true}, {"0x41", "0xd49", "Neoverse-N2", true}, {"0x41", "0xd40", "Neoverse-V1", true},
		{"0x41", "0xd4f", "Neoverse-V2", true}, {"0x4e", "0x004", "Carmel", true}, {"0x4e", "0x003", "Denver-2", true},
		{"0x51", "0x805", "Kryo-4XX-Silver", true}, {"0x61", "0x023", "Firestorm-M1", true}, {"0x43", "0x0af", "ThunderX2-99xx", true},
		{"0x41", "0xd99", "ARM 0xd99", false}, {"0x99", "0x001", "0x99 0x001", false}, {"garbage", "", "garbage", false},
	} {
		name, ok := armPartName(c.impl, c.part)
		if name != c.name || ok != c.ok {
			t.Errorf("armPartName(%s, %s) = %q, %v; want %q, %v", c.impl, c.part, name, ok, c.name, c.ok)
		}
	}
	if armVendorName("0x41") != "ARM" || armVendorName("0x51") != "Qualcomm" || armVendorName("0x61") != "Apple" || armVendorName("0x4e") != "NVIDIA" {
		t.Error("vendor names")
	}
}

func TestUsableCPUs(t *testing.T) {
	for _, c := range []struct {
		name string
		p    *Profile
		want int
	}{
		{"computed by the probe", &Profile{Root: "/x", CPU: CPU{Usable: 3, Online: 8}}, 3},
		{"quota below cpuset", &Profile{Root: "/x", CPU: CPU{Effective: 3, QuotaCPUs: 1.5}}, 2},
		{"cpuset below quota", &Profile{Root: "/x", CPU: CPU{Effective: 2, QuotaCPUs: 7.2}}, 2},
		{"tiny quota", &Profile{Root: "/x", CPU: CPU{Effective: 16, QuotaCPUs: 0.1}}, 1},
		{"online only", &Profile{Root: "/x", CPU: CPU{Online: 6, Logical: 8}}, 6},
		{"logical only", &Profile{Root: "/x", CPU: CPU{Logical: 8}}, 8},
		{"quota only", &Profile{Root: "/x", CPU: CPU{QuotaCPUs: 2.5}}, 3},
		{"nothing known, fixture", &Profile{Root: "/x"}, 1},
	} {
		if got := UsableCPUs(c.p); got != c.want {
			t.Errorf("%s: UsableCPUs = %d, want %d", c.name, got, c.want)
		}
	}
	if UsableCPUs(nil) < 1 || UsableCPUs(&Profile{}) < 1 {
		t.Error("UsableCPUs below 1")
	}
}
