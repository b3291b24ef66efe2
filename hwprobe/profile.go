package hwprobe

import "time"

// SchemaVersion is the version of the Profile JSON document. It rises when a
// field changes meaning or disappears; new fields do not change it.
const SchemaVersion = 1

// State says whether the probe found something.
type State string

// The states of a check.
const (
	Present State = "present" // found and read
	Absent  State = "absent"  // not on this device; not an error
	Unknown State = "unknown" // could not tell; Reason says why
)

// Check is the outcome of one collector: what it looked for, whether it found
// it, and why not when it could not tell.
type Check struct {
	Collector string `json:"collector"`
	State     State  `json:"state"`
	Reason    string `json:"reason,omitempty"`
}

// Profile is everything the probe learned about a device. It is what
// `edge-agent probe --json` prints and what the agent publishes on
// edge/{id}/hardware. Sizes are bytes, frequencies MHz, temperatures °C.
// A zero or empty field means "not found"; Checks and each item's Unknown
// map say what could not be read and why.
type Profile struct {
	Schema   int       `json:"schema"`
	Time     time.Time `json:"time"`
	Root     string    `json:"root,omitempty"` // set when a fixture tree was probed
	Hostname string    `json:"hostname,omitempty"`
	// Arch is the Go name of the CPU architecture: amd64, 386, arm64, arm, riscv64 ...
	Arch    string   `json:"arch"`
	OS      OS       `json:"os"`
	CPU     CPU      `json:"cpu"`
	Memory  Memory   `json:"memory"`
	Board   Board    `json:"board"`
	Thermal Thermal  `json:"thermal"`
	GPUs    []Device `json:"gpus"`
	NPUs    []Device `json:"npus"`
	// Checks lists every collector that ran, in order, with its state.
	Checks []Check `json:"checks"`
	// ElapsedMs is how long the probe took.
	ElapsedMs float64 `json:"elapsed_ms"`
}

// OS identifies the operating system.
type OS struct {
	Kernel     string `json:"kernel,omitempty"`      // /proc/version's release, e.g. 6.1.0-18-arm64
	PrettyName string `json:"pretty_name,omitempty"` // /etc/os-release PRETTY_NAME
	ID         string `json:"id,omitempty"`
	VersionID  string `json:"version_id,omitempty"`
}

// CPU describes the processors and what this process may use of them.
type CPU struct {
	Vendor string `json:"vendor,omitempty"` // GenuineIntel, AuthenticAMD, ARM, Qualcomm ...
	Model  string `json:"model,omitempty"`  // model name, or the ARM part name (Cortex-A76)
	// ARM identification from /proc/cpuinfo ids (empty elsewhere).
	Implementer string `json:"implementer,omitempty"` // e.g. 0x41
	Part        string `json:"part,omitempty"`        // e.g. 0xd0b
	// Parts lists the distinct core types of big.LITTLE systems, e.g. ["Cortex-A55", "Cortex-A76"].
	Parts []string `json:"parts,omitempty"`

	Logical  int `json:"logical"`            // logical CPUs the kernel knows (possible ∩ present)
	Physical int `json:"physical,omitempty"` // physical cores
	Sockets  int `json:"sockets,omitempty"`
	Online   int `json:"online"` // online logical CPUs
	// OnlineList is the kernel's list of online CPUs, e.g. "0-3".
	OnlineList string `json:"online_list,omitempty"`

	// Effective is the set of CPUs this process may run on (the cgroup's
	// cpuset.cpus.effective, else the online CPUs, narrowed on a live system
	// by the process's affinity mask), QuotaCPUs the cgroup's cpu.max quota
	// in CPUs (0: no quota), and Usable what that allows:
	// min(len(Effective), ceil(QuotaCPUs)). Thread counts use Usable.
	EffectiveList string  `json:"effective_list,omitempty"`
	Effective     int     `json:"effective"`
	QuotaCPUs     float64 `json:"quota_cpus,omitempty"`
	Usable        int     `json:"usable"`

	MinMHz float64 `json:"min_mhz,omitempty"`
	MaxMHz float64 `json:"max_mhz,omitempty"`
	CurMHz float64 `json:"cur_mhz,omitempty"`

	Caches []Cache `json:"caches,omitempty"`
	// Features are the instruction-set features kernels choose by, in the
	// names the requirement language uses (see features.go).
	Features []string `json:"features"`
	// Flags are all the raw flags of /proc/cpuinfo ("flags" or "Features").
	Flags []string `json:"flags,omitempty"`

	Unknown map[string]string `json:"unknown,omitempty"`
}

// Cache is one CPU cache level.
type Cache struct {
	Level      int    `json:"level"`
	Type       string `json:"type"` // Data, Instruction, Unified
	SizeBytes  int64  `json:"size_bytes"`
	SharedWith string `json:"shared_cpu_list,omitempty"`
}

// Memory describes memory and what this process may use of it.
type Memory struct {
	TotalBytes     int64 `json:"total_bytes"`
	AvailableBytes int64 `json:"available_bytes"`
	SwapTotalBytes int64 `json:"swap_total_bytes,omitempty"`
	// CgroupLimitBytes is the cgroup's memory.max (v2) or
	// memory.limit_in_bytes (v1); 0 when unlimited.
	CgroupLimitBytes int64 `json:"cgroup_limit_bytes,omitempty"`
	CgroupUsageBytes int64 `json:"cgroup_usage_bytes,omitempty"`
	// UsableBytes is min(available, cgroup limit - cgroup usage).
	UsableBytes int64             `json:"usable_bytes"`
	Unknown     map[string]string `json:"unknown,omitempty"`
}

// Board identifies the machine.
type Board struct {
	Model      string   `json:"model,omitempty"`      // device-tree model, or DMI product name
	Compatible []string `json:"compatible,omitempty"` // device-tree compatible strings
	Vendor     string   `json:"vendor,omitempty"`     // DMI sys_vendor / board_vendor
	Product    string   `json:"product,omitempty"`    // DMI product_name
	BoardName  string   `json:"board_name,omitempty"` // DMI board_name
	BIOS       string   `json:"bios,omitempty"`       // DMI bios_version
	Virtual    bool     `json:"virtual,omitempty"`    // a hypervisor was detected
	// Unknown names identity files that exist but could not be read.
	Unknown map[string]string `json:"unknown,omitempty"`
}

// Thermal holds thermal zones and throttling state.
type Thermal struct {
	Zones []Zone `json:"zones,omitempty"`
	// Throttled is true when the device throttles now: a zone is at or
	// above a passive, hot or critical trip point, or the CPU's frequency is
	// capped below its maximum while a CPU cooling device is active.
	Throttled bool `json:"throttled"`
	// ThrottleEvents counts the kernel's thermal throttle events since boot
	// (x86 core and package counters); a rise between two probes means the
	// device throttled in between.
	ThrottleEvents int64             `json:"throttle_events,omitempty"`
	Unknown        map[string]string `json:"unknown,omitempty"`
}

// Zone is one thermal zone.
type Zone struct {
	Name   string  `json:"name"` // thermal_zone0
	Type   string  `json:"type"` // cpu-thermal, x86_pkg_temp, gpu-thermal ...
	TempC  float64 `json:"temp_c"`
	TripC  float64 `json:"trip_c,omitempty"` // lowest passive/hot/critical trip point
	Policy string  `json:"policy,omitempty"`
}

// Device is one GPU or NPU.
type Device struct {
	// Kind names the family: for GPUs nvidia, amd, intel, mali, jetson; for
	// NPUs edgetpu, hailo, rknpu, intel-npu, amd-xdna, ethos-u, vivante,
	// qualcomm, or accel for another /dev/accel device (Name says which).
	// The requirement language matches on it (npu.kind == edgetpu).
	Kind          string `json:"kind"`
	Vendor        string `json:"vendor,omitempty"`
	Name          string `json:"name,omitempty"`
	Driver        string `json:"driver,omitempty"`
	DriverVersion string `json:"driver_version,omitempty"`
	Firmware      string `json:"firmware,omitempty"`
	MemoryBytes   int64  `json:"memory_bytes,omitempty"`
	// ComputeCapability is NVIDIA's compute capability (e.g. 9.0) where known.
	ComputeCapability string `json:"compute_capability,omitempty"`
	// Runtime is the compute runtime the driver offers, e.g. "CUDA 13.0".
	Runtime string `json:"runtime,omitempty"`
	UUID    string `json:"uuid,omitempty"`
	// CurMHz and MaxMHz are the device's clock (devfreq) where exposed.
	CurMHz   float64 `json:"cur_mhz,omitempty"`
	MaxMHz   float64 `json:"max_mhz,omitempty"`
	Bus      string  `json:"bus,omitempty"`     // pci, usb, platform
	Address  string  `json:"address,omitempty"` // PCI address (0000:00:06.0) or USB path (1-1.2)
	VendorID string  `json:"vendor_id,omitempty"`
	DeviceID string  `json:"device_id,omitempty"`
	// Nodes are the device files applications open (/dev/nvidia0, /dev/apex_0).
	Nodes []string `json:"nodes,omitempty"`
	// Accessible is false when a device node exists but this process may not open it.
	Accessible bool `json:"accessible"`
	// Sources are the files (and commands) the facts came from.
	Sources []string          `json:"sources,omitempty"`
	Unknown map[string]string `json:"unknown,omitempty"`
}

// note records why a field of an item could not be read.
func note(m *map[string]string, field, reason string) {
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[field] = reason
}
