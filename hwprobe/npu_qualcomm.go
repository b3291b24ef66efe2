package hwprobe

import (
	"context"
	"path"
	"strings"
)

func init() { register(qualcommCollector{}) }

// qualcommCollector finds the Hexagon DSPs of Qualcomm SoCs that
// applications reach through FastRPC (the QNN/SNPE runtimes' HTP and DSP
// backends): the nodes /dev/fastrpc-cdsp, -adsp, -sdsp (and variants such as
// -cdsp-secure, -cdsp1) of the mainline fastrpc driver, or /dev/adsprpc-smd
// of Qualcomm's downstream kernels. They are reported as one device whose
// Nodes list them; it is accessible when one of them can be opened. The
// compute DSP's firmware is named from its remoteproc
// (/sys/class/remoteproc/*/name containing "cdsp": firmware, state).
type qualcommCollector struct{}

func (qualcommCollector) Name() string { return "npu.qualcomm" }

func (qualcommCollector) Collect(_ context.Context, env *Env, p *Profile) error {
	r := env.Root
	var hard error
	var nodes []string
	for _, pat := range []string{"/dev/fastrpc-*", "/dev/adsprpc-smd*"} {
		ns, err := DevNodes(r, pat)
		npuFirstErr(&hard, err)
		nodes = append(nodes, ns...)
	}
	// The compute DSP first: it is the one NPU runtimes use.
	rank := func(n string) int {
		switch b := path.Base(n); {
		case b == "fastrpc-cdsp":
			return 0
		case strings.HasPrefix(b, "fastrpc-cdsp"):
			return 1
		case strings.HasPrefix(b, "fastrpc-"):
			return 2
		}
		return 3
	}
	for i := 1; i < len(nodes); i++ { // insertion sort: a handful of nodes
		for j := i; j > 0 && (rank(nodes[j]) < rank(nodes[j-1]) || rank(nodes[j]) == rank(nodes[j-1]) && nodes[j] < nodes[j-1]); j-- {
			nodes[j], nodes[j-1] = nodes[j-1], nodes[j]
		}
	}
	if len(nodes) == 0 {
		return npuResult(p, nil, hard)
	}
	d := Device{
		Kind:   "qualcomm",
		Vendor: "Qualcomm",
		Name:   "Qualcomm Hexagon DSP (FastRPC)",
		Driver: "fastrpc",
		Nodes:  nodes,
	}
	if strings.HasPrefix(path.Base(nodes[0]), "adsprpc") {
		d.Driver = "adsprpc"
	}
	npuSource(&d, nodes...)
	npuModuleVersion(r, &d, d.Driver)
	qualcommRemoteproc(r, &d)
	npuNodeAccess(r, &d, "give the user's group access to it with a udev rule (fastrpc nodes are often root-only)")
	if d.Accessible {
		// Some nodes (the audio DSP's) are commonly closed to users; with one
		// usable node, only say which were not usable.
		if reason, ok := d.Unknown["accessible"]; ok {
			note(&d.Unknown, "accessible", "not all nodes can be opened: "+reason)
		}
	}
	return npuResult(p, []Device{d}, nil)
}

// qualcommRemoteproc names the compute DSP's firmware from its remoteproc.
func qualcommRemoteproc(r *Root, d *Device) {
	procs, err := r.ReadDir("/sys/class/remoteproc")
	if err != nil {
		if !IsNotExist(err) {
			note(&d.Unknown, "firmware", describe(err))
		}
		return
	}
	for _, rp := range procs {
		dir := "/sys/class/remoteproc/" + rp
		name, err := r.ReadString(dir + "/name")
		if err != nil || !strings.Contains(strings.ToLower(name), "cdsp") {
			continue
		}
		if fw, ok := npuReadOpt(r, d, "firmware", dir+"/firmware"); ok {
			d.Firmware = fw
		}
		if st, ok := npuReadOpt(r, d, "state", dir+"/state"); ok && st != "running" {
			note(&d.Unknown, "state", "the compute DSP ("+rp+") is "+st+", not running")
		}
		npuSource(d, dir+"/name")
		return
	}
}
