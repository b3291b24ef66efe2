package demo

import (
	"math"
	"math/rand/v2"
)

// Motion is the simulated device's true state.
type Motion int

// The simulated motions, in label order.
const (
	Idle Motion = iota
	Walking
	Shaking
)

func (m Motion) String() string { return Labels[m] }

// Accelerometer simulates a 3-axis accelerometer sampled at Rate Hz: gravity
// on z plus sensor noise, a 2 Hz gait when walking, an 8 Hz large-amplitude
// shake when shaking. The motion cycles idle -> walking -> shaking, each for
// Dwell samples. It is deterministic for a given seed.
type Accelerometer struct {
	Rate  float64
	Dwell int
	rng   *rand.Rand
	n     int
}

// NewAccelerometer returns a simulator with 50 Hz sampling and 4 s per state.
func NewAccelerometer(seed uint64) *Accelerometer {
	return &Accelerometer{Rate: 50, Dwell: 200, rng: rand.New(rand.NewPCG(seed, 0x5EED))}
}

// Motion returns the state that the next sample will be drawn from.
func (s *Accelerometer) Motion() Motion { return Motion((s.n / s.Dwell) % 3) }

// Next returns the next sample (x, y, z in g) and the motion it was drawn from.
func (s *Accelerometer) Next() ([Axes]float32, Motion) {
	m := s.Motion()
	t := float64(s.n) / s.Rate
	s.n++
	noise := func(sd float64) float64 { return s.rng.NormFloat64() * sd }
	x, y, z := noise(0.004), noise(0.004), 1+noise(0.004)
	switch m {
	case Walking:
		x += 0.25 * math.Sin(2*math.Pi*2*t)
		z += 0.3 * math.Sin(2*math.Pi*2*t+0.5)
		y += noise(0.02)
	case Shaking:
		x += 1.5 * math.Sin(2*math.Pi*8*t)
		y += 1.2 * math.Sin(2*math.Pi*8*t+1)
		z += noise(0.3)
	}
	return [Axes]float32{float32(x), float32(y), float32(z)}, m
}
