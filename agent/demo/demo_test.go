package demo_test

import (
	"testing"

	"github.com/edge-agent/edge-agent/agent/demo"
	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/model"
)

func TestDemoModelClassifiesSimulatedMotion(t *testing.T) {
	data, err := demo.BuildModel()
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	it, err := inference.New(m)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	sensor := demo.NewAccelerometer(42)
	var window [][demo.Axes]float32
	var truths []demo.Motion
	total := map[demo.Motion]int{}
	right := map[demo.Motion]int{}
	for i := 0; i < 3*3*sensor.Dwell; i++ {
		s, m := sensor.Next()
		window = append(window, s)
		truths = append(truths, m)
		if len(window) > demo.WindowLen {
			window, truths = window[1:], truths[1:]
		}
		if len(window) < demo.WindowLen || truths[0] != truths[len(truths)-1] {
			continue // only windows wholly inside one motion have one right answer
		}
		in := it.Input(0).Float32()
		for k, v := range window {
			copy(in[k*demo.Axes:], v[:])
		}
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		out := it.Output(0).Float32()
		best, sum := 0, float32(0)
		for k, v := range out {
			sum += v
			if v > out[best] {
				best = k
			}
		}
		if sum < 0.999 || sum > 1.001 {
			t.Fatalf("probabilities sum to %v", sum)
		}
		total[m]++
		if demo.Motion(best) == m {
			right[m]++
		}
	}
	for _, m := range []demo.Motion{demo.Idle, demo.Walking, demo.Shaking} {
		if total[m] == 0 {
			t.Fatalf("no windows of %s", m)
		}
		acc := float64(right[m]) / float64(total[m])
		t.Logf("%s: %d of %d windows right (%.1f%%)", m, right[m], total[m], 100*acc)
		if acc < 0.95 {
			t.Errorf("%s: accuracy %.1f%%, want at least 95%%", m, 100*acc)
		}
	}
}

func TestSensorIsDeterministic(t *testing.T) {
	a, b := demo.NewAccelerometer(7), demo.NewAccelerometer(7)
	for i := 0; i < 1000; i++ {
		sa, ma := a.Next()
		sb, mb := b.Next()
		if sa != sb || ma != mb {
			t.Fatalf("sample %d differs: %v %v vs %v %v", i, sa, ma, sb, mb)
		}
	}
}
