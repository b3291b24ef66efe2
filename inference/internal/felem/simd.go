//go:build amd64 || arm64

package felem

// runVectors runs the vector kernel over the whole vectors of out (at
// least one) and returns how many elements it computed.
func (k *Kernel) runVectors(out, x, y []float32, sx, sy int) int {
	if sx == 0 || sy == 0 {
		return k.runBroadcast(out, x, y, sx, sy)
	}
	lanes := k.lanes
	nv := len(out) / lanes
	k.vectors(&out[0], &x[0], &y[0], nv, 4*lanes, 4*lanes)
	done := nv * lanes
	if k.half && len(out)-done >= lanes/2 {
		k.halfVector(&out[done], &x[done], &y[done], 4*lanes/2, 4*lanes/2)
		done += lanes / 2
	}
	return done
}

// runBroadcast is runVectors with x or y (or both) one value, read from
// a vector of that value on the stack with stride 0.
func (k *Kernel) runBroadcast(out, x, y []float32, sx, sy int) int {
	lanes := k.lanes
	nv := len(out) / lanes
	var rx, ry [maxLanes]float32
	px, py := &x[0], &y[0]
	if sx == 0 {
		for i := range rx[:lanes] {
			rx[i] = x[0]
		}
		px = &rx[0]
	}
	if sy == 0 {
		for i := range ry[:lanes] {
			ry[i] = y[0]
		}
		py = &ry[0]
	}
	k.vectors(&out[0], px, py, nv, 4*lanes*sx, 4*lanes*sy)
	done := nv * lanes
	if k.half && len(out)-done >= lanes/2 {
		if sx != 0 {
			px = &x[done]
		}
		if sy != 0 {
			py = &y[done]
		}
		k.halfVector(&out[done], px, py, 4*lanes/2*sx, 4*lanes/2*sy)
		done += lanes / 2
	}
	return done
}
