package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/demo"
	"github.com/edge-agent/edge-agent/agent/sensor"
	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// drain processes everything offered to p.
func drain(t testing.TB, p *Pipeline) {
	t.Helper()
	if err := p.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// values decodes a prediction's Output vector.
func values(t testing.TB, p wire.Prediction) []float64 {
	t.Helper()
	var v []float64
	if err := json.Unmarshal(p.Output, &v); err != nil {
		t.Fatalf("output %s: %v", p.Output, err)
	}
	return v
}

// index returns the sample number of a test timestamp (testBase + i s).
func index(ts time.Time) int { return int(ts.Sub(testBase) / time.Second) }

// motionSamples draws n accelerometer samples at 50 Hz, with their truth.
func motionSamples(seed uint64, n int) []sensor.Sample {
	acc := demo.NewAccelerometer(seed)
	out := make([]sensor.Sample, n)
	for i := range out {
		v, m := acc.Next()
		out[i] = sensor.Sample{TS: testBase.Add(time.Duration(i) * 20 * time.Millisecond), Values: v[:], Truth: m.String()}
	}
	return out
}

func TestDemoMotionIsClassifiedRight(t *testing.T) {
	samples := motionSamples(42, 9*200)
	rec := &recorder{}
	p, err := New(Options{
		Name: "motion", Sensor: "accel", Channels: []string{"x", "y", "z"}, Model: demoModel(t),
		Queue: len(samples), Window: Window{Size: demo.WindowLen, Stride: 8}, Sink: rec.sink,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		p.Offer(s)
	}
	drain(t, p)
	byTS := map[time.Time]int{}
	for i, s := range samples {
		byTS[s.TS] = i
	}
	total, right := map[string]int{}, map[string]int{}
	for _, pr := range rec.all() {
		end := byTS[pr.TS]
		truth := samples[end].Truth
		if samples[end-demo.WindowLen+1].Truth != truth {
			continue // a window across two motions has no one right answer
		}
		total[truth]++
		if len(pr.Top) == 1 && pr.Top[0].Label == truth {
			right[truth]++
		}
		if pr.Pipeline != "motion" || pr.Model.Name != "test" || pr.Seq != 0 || len(values(t, pr)) != 3 {
			t.Fatalf("bad record %+v", pr)
		}
	}
	for _, m := range demo.Labels {
		if total[m] == 0 {
			t.Fatalf("no windows of %s", m)
		}
		acc := float64(right[m]) / float64(total[m])
		t.Logf("%s: %d of %d windows right", m, right[m], total[m])
		if acc < 0.9 {
			t.Errorf("%s: %.0f%% right, want at least 90%%", m, 100*acc)
		}
	}
	st := p.Stats()
	if want := uint64((len(samples)-demo.WindowLen)/8 + 1); st.Inferences != want || st.Published != want || st.LastSeq != want {
		t.Errorf("stats %+v, want %d inferences, all published", st, want)
	}
}

func TestQualityRejectionsResetTheWindow(t *testing.T) {
	rec := &recorder{}
	p, err := New(Options{
		Name: "q", Channels: []string{"v"}, Model: newTestModel(t, sumModel(t, []int{1, 3}), nil), Queue: 100,
		Quality: Quality{Min: ptr(-100), Max: ptr(100), StuckSamples: 3},
		Window:  Window{Size: 3, Stride: 1}, Post: Post{Kind: KindRegression}, Sink: rec.sink,
	})
	if err != nil {
		t.Fatal(err)
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	seq := []sensor.Sample{
		sampleAt(testBase, 0, 1), sampleAt(testBase, 1, 2), sampleAt(testBase, 2, 3), // window 1+2+3
		sampleAt(testBase, 3, nan),                                                   // restarts the window
		sampleAt(testBase, 4, 4), sampleAt(testBase, 5, 5), sampleAt(testBase, 6, 6), // 4+5+6
		sampleAt(testBase, 7, inf),
		sampleAt(testBase, 8, 7),
		sampleAt(testBase, 9, 1000),                                                     // out of range
		sampleAt(testBase, 10, 8), sampleAt(testBase, 11, 9), sampleAt(testBase, 12, 9), // 8+9+9
		sampleAt(testBase, 13, 9), sampleAt(testBase, 14, 9), // third and fourth 9: stuck
		sampleAt(testBase, 15, 10), sampleAt(testBase, 16, 11), sampleAt(testBase, 17, 12), // 10+11+12
		sampleAt(testBase, 18, 13),     // 11+12+13
		sampleAt(testBase, 19, 14, 15), // two values for one channel
		{TS: testBase.Add(20 * time.Second)},
		sampleAt(testBase, 21, 14), sampleAt(testBase, 22, 15), sampleAt(testBase, 23, 16), // 14+15+16
	}
	for _, s := range seq {
		p.Offer(s)
	}
	drain(t, p)
	st := p.Stats()
	wantRej := map[string]uint64{"nan": 1, "inf": 1, "out_of_range": 1, "stuck": 2, "bad_shape": 1, "no_channels": 1}
	if !maps.Equal(st.Rejected, wantRej) {
		t.Errorf("rejected %v, want %v", st.Rejected, wantRej)
	}
	if st.Samples != 24 || st.Accepted != 17 || st.Inferences != 6 || st.Published != 6 {
		t.Errorf("stats %+v, want 24 samples, 17 accepted, 6 inferences", st)
	}
	var sums []float64
	var ends []int
	for _, pr := range rec.all() {
		sums = append(sums, values(t, pr)[0])
		ends = append(ends, index(pr.TS))
	}
	if want := []float64{6, 15, 26, 33, 36, 45}; !slices.Equal(sums, want) {
		t.Errorf("window sums %v, want %v", sums, want)
	}
	if want := []int{2, 6, 12, 17, 18, 23}; !slices.Equal(ends, want) {
		t.Errorf("windows end at samples %v, want %v", ends, want)
	}
}

func TestSelectPicksAndOrdersChannels(t *testing.T) {
	// out = 1*a + 10*b over a [1, 1, 2] window of (z, x).
	rec := &recorder{}
	p, err := New(Options{
		Name: "sel", Channels: []string{"x", "y", "z"}, Select: []string{"z", "x"},
		Model: newTestModel(t, fcModel(t, []int{1, 1, 2}, []float32{1, 10}, 1), nil),
		Post:  Post{Kind: KindRaw}, Sink: rec.sink,
		Quality: Quality{Max: ptr(100)}, // y is not checked: it is not used
	})
	if err != nil {
		t.Fatal(err)
	}
	p.Offer(sampleAt(testBase, 0, 2, 1e9, 3))
	drain(t, p)
	preds := rec.all()
	if len(preds) != 1 || values(t, preds[0])[0] != 3+10*2 {
		t.Fatalf("predictions %v, want one with 23", preds)
	}
}

func TestWindowShapes(t *testing.T) {
	for _, shape := range [][]int{{1, 4, 2}, {1, 8}, {1, 4, 2, 1}} {
		w := make([]float32, 8)
		for i := range w {
			w[i] = float32(i + 1) // weights 1..8 show the element order
		}
		rec := &recorder{}
		p, err := New(Options{
			Name: "shape", Channels: []string{"a", "b"}, Model: newTestModel(t, fcModel(t, shape, w, 1), nil),
			Post: Post{Kind: KindRegression}, Sink: rec.sink,
		})
		if err != nil {
			t.Fatalf("%v: %v", shape, err)
		}
		for i := range 4 {
			p.Offer(sampleAt(testBase, i, float32(i), float32(10*i))) // a = t, b = 10 t
		}
		drain(t, p)
		// elements t*2 + c: sum over t of (2t+1)*t + (2t+2)*10t = 0 + 3+40 + 10+120 + 21+240 = 434
		preds := rec.all()
		if len(preds) != 1 || values(t, preds[0])[0] != 434 {
			t.Errorf("%v: predictions %v, want one with 434", shape, preds)
		}
	}
}

func TestDropOldestWithABlockedSink(t *testing.T) {
	rec := &recorder{block: make(chan struct{}), entered: make(chan struct{}, 10)}
	p, err := New(Options{
		Name: "drop", Channels: []string{"v"}, Model: newTestModel(t, sumModel(t, []int{1, 1}), nil),
		Queue: 2, Post: Post{Kind: KindRegression}, Sink: rec.sink,
	})
	if err != nil {
		t.Fatal(err)
	}
	start(t, p)
	p.Offer(sampleAt(testBase, 0, 100))
	<-rec.entered // the loop now waits in the sink
	for i := 1; i <= 5; i++ {
		p.Offer(sampleAt(testBase, i, float32(100+i)))
	}
	st := p.Stats()
	if st.Dropped != 3 || st.Queued != 2 || st.Samples != 6 {
		t.Fatalf("stats %+v, want 3 dropped, 2 queued of 6", st)
	}
	close(rec.block)
	waitFor(t, "three predictions", func() bool { return p.Stats().Published == 3 })
	var got []float64
	for _, pr := range rec.all() {
		got = append(got, values(t, pr)[0])
	}
	if want := []float64{100, 104, 105}; !slices.Equal(got, want) {
		t.Errorf("published %v, want the first and the two newest %v", got, want)
	}
}

func TestStalledOnlyWithPendingWork(t *testing.T) {
	clock := newFakeClock()
	m := newTestModel(t, sumModel(t, []int{1, 1}), nil)
	rec := &recorder{}
	p, err := New(Options{Name: "stall", Channels: []string{"v"}, Model: m, Sink: rec.sink, Post: Post{Kind: KindRegression}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	const limit = time.Minute
	t0 := clock.Now()
	if p.Stalled(t0.Add(time.Hour), limit) {
		t.Fatal("an idle pipeline with no input is stalled")
	}
	p.Offer(sampleAt(testBase, 0, 1)) // queued at t0; nothing runs the pipeline yet
	if p.Stalled(t0.Add(limit), limit) {
		t.Error("stalled before the limit")
	}
	if !p.Stalled(t0.Add(limit+time.Second), limit) {
		t.Error("a sample queued for longer than the limit is not a stall")
	}

	clock.Advance(2 * limit)
	t1 := clock.Now()
	m.gate, m.entered = make(chan struct{}), make(chan struct{})
	start(t, p)
	<-m.entered // the inference started at t1 and blocks
	if p.Stalled(t1.Add(limit), limit) {
		t.Error("stalled before the inference ran for the limit")
	}
	if !p.Stalled(t1.Add(limit+time.Second), limit) {
		t.Error("an inference running longer than the limit is not a stall")
	}
	close(m.gate)
	waitFor(t, "the inference", func() bool { return p.Stats().Published == 1 })
	if p.Stalled(t1.Add(time.Hour), limit) {
		t.Error("stalled after the work was done")
	}
}

func TestOnChangePublishesLabelChangesOnly(t *testing.T) {
	samples := motionSamples(1, 6*200)
	run := func(publish string) (*Pipeline, []wire.Prediction) {
		rec := &recorder{}
		p, err := New(Options{
			Name: "motion", Channels: []string{"x", "y", "z"}, Model: demoModel(t), Queue: len(samples),
			Window: Window{Stride: 4}, Publish: publish, Sink: rec.sink,
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range samples {
			p.Offer(s)
		}
		drain(t, p)
		return p, rec.all()
	}
	_, all := run(PublishAlways)
	p, changes := run(PublishOnChange)
	var want []wire.Prediction
	for i, pr := range all {
		if i == 0 || pr.Top[0].Label != all[i-1].Top[0].Label {
			want = append(want, pr)
		}
	}
	if len(want) < 6 {
		t.Fatalf("only %d label changes over six motion periods", len(want))
	}
	if len(changes) != len(want) {
		t.Fatalf("on_change published %d, want %d", len(changes), len(want))
	}
	for i := range want {
		if !changes[i].TS.Equal(want[i].TS) || changes[i].Top[0] != want[i].Top[0] {
			t.Errorf("change %d: %v %v, want %v %v", i, changes[i].TS, changes[i].Top, want[i].TS, want[i].Top)
		}
	}
	st := p.Stats()
	if st.Published != uint64(len(want)) || st.Suppressed != uint64(len(all)-len(want)) || st.Inferences != uint64(len(all)) {
		t.Errorf("stats %+v: want %d published, %d suppressed", st, len(want), len(all)-len(want))
	}
}

// autoencoderModel reconstructs a [1,4] input as half of it.
func autoencoderModel(t testing.TB) []byte {
	w := make([]float32, 16)
	for i := range 4 {
		w[i*4+i] = 0.5
	}
	return fcModel(t, []int{1, 4}, w, 4)
}

func TestAnomalyAboveThreshold(t *testing.T) {
	rec := &recorder{}
	p, err := New(Options{
		Name: "ae", Channels: []string{"v"}, Model: newTestModel(t, autoencoderModel(t), nil), Queue: 100,
		Post: Post{Kind: KindAnomaly, Threshold: 2}, Publish: PublishAboveThreshold, Sink: rec.sink,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Windows of 4 (stride 4). Error of x - x/2: mean(x²)/4 = 0.25, 1.625, 4.
	series1(p, testBase, 0, 1, 1, 1, 1, 2, 3, 2, 3, 4, 4, 4, 4)
	drain(t, p)
	preds := rec.all()
	if len(preds) != 1 || string(preds[0].Output) != `{"score":4,"anomaly":true}` || index(preds[0].TS) != 11 || preds[0].Top != nil {
		t.Fatalf("predictions %+v, want one {score 4, anomaly true} at sample 11", preds)
	}
	if st := p.Stats(); st.Suppressed != 2 || st.Published != 1 {
		t.Errorf("stats %+v, want 2 suppressed", st)
	}
}

func TestRegressionOnChange(t *testing.T) {
	rec := &recorder{}
	p, err := New(Options{
		Name: "temp", Channels: []string{"t"}, Model: newTestModel(t, sumModel(t, []int{1, 1}), nil), Queue: 100,
		Post: Post{Kind: KindRegression, Threshold: 1}, Publish: PublishOnChange, Sink: rec.sink,
	})
	if err != nil {
		t.Fatal(err)
	}
	series1(p, testBase, 0, 10, 10.5, 11.5, 11.6, 9)
	drain(t, p)
	var got []float64
	for _, pr := range rec.all() {
		got = append(got, values(t, pr)[0])
	}
	if want := []float64{10, 11.5, 9}; !slices.Equal(got, want) {
		t.Errorf("published %v, want %v", got, want)
	}
}

func TestSinkErrorsAreCountedAndDoNotStop(t *testing.T) {
	rec := &recorder{fail: errors.New("disk full")}
	p, err := New(Options{Name: "s", Channels: []string{"v"}, Model: newTestModel(t, sumModel(t, []int{1, 1}), nil), Sink: rec.sink})
	if err != nil {
		t.Fatal(err)
	}
	series1(p, testBase, 0, 1, 2)
	drain(t, p)
	st := p.Stats()
	if st.Errors != 2 || st.Inferences != 2 || st.Published != 0 || !strings.Contains(st.LastError, "sink: disk full") {
		t.Errorf("stats %+v, want 2 sink errors", st)
	}
	rec.mu.Lock()
	rec.fail = nil
	rec.mu.Unlock()
	series1(p, testBase, 2, 3)
	drain(t, p)
	if st := p.Stats(); st.Published != 1 || st.LastSeq != 1 || st.Errors != 2 {
		t.Errorf("stats %+v, want 1 published after the sink recovered", st)
	}
}

func TestModelChangedAfterNewIsAnError(t *testing.T) {
	m := newTestModel(t, sumModel(t, []int{1, 2}), nil)
	p, err := New(Options{Name: "m", Channels: []string{"v"}, Model: m, Sink: (&recorder{}).sink})
	if err != nil {
		t.Fatal(err)
	}
	m.it = newTestModel(t, sumModel(t, []int{1, 3}), nil).it // a new version with another input
	series1(p, testBase, 0, 1, 2, 3, 4)                      // two windows of 2 (stride 2), each dropped
	drain(t, p)
	st := p.Stats()
	if st.Inferences != 0 || st.Errors != 2 || !strings.Contains(st.LastError, "rebuild the pipeline") {
		t.Errorf("stats %+v, want 2 errors naming the changed model", st)
	}
}

func TestRejectionLogsAreRateLimited(t *testing.T) {
	clock := newFakeClock()
	var logs syncBuffer
	p, err := New(Options{
		Name: "log", Channels: []string{"v"}, Model: newTestModel(t, sumModel(t, []int{1, 1}), nil),
		Sink: (&recorder{}).sink, Now: clock.Now, Logger: slogText(&logs),
	})
	if err != nil {
		t.Fatal(err)
	}
	nan := float32(math.NaN())
	series1(p, testBase, 0, nan, nan, nan, nan, nan)
	drain(t, p)
	clock.Advance(9 * time.Second)
	series1(p, testBase, 5, nan)
	drain(t, p)
	clock.Advance(2 * time.Second) // 11 s after the first line
	series1(p, testBase, 6, nan, float32(math.Inf(-1)))
	drain(t, p)
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(l, "sample rejected") {
			lines = append(lines, l)
		}
	}
	want := []string{"reason=nan count=1", "reason=nan count=6", "reason=inf count=1"}
	if len(lines) != len(want) {
		t.Fatalf("%d rejection lines, want %d:\n%s", len(lines), len(want), logs.String())
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) || !strings.Contains(lines[i], "pipeline=log") {
			t.Errorf("line %d %q, want %q", i, lines[i], w)
		}
	}
}

// manualTicker makes p's interval ticks come from the returned channel.
func manualTicker(p *Pipeline) chan time.Time {
	c := make(chan time.Time)
	p.ticker = func(time.Duration) (<-chan time.Time, func()) { return c, func() {} }
	return c
}

func TestIntervalInfersOnTheLatestWindowWhenNew(t *testing.T) {
	rec := &recorder{}
	p, err := New(Options{
		Name: "iv", Channels: []string{"v"}, Model: newTestModel(t, sumModel(t, []int{1, 2}), nil),
		Interval: time.Second, Window: Window{Stride: 100}, Post: Post{Kind: KindRegression}, Sink: rec.sink,
	})
	if err != nil {
		t.Fatal(err)
	}
	tick := manualTicker(p)
	start(t, p)
	// Each tick is received after the previous one was handled, so two
	// sends make sure the first one is done.
	ticks := func(n int) {
		for range n {
			tick <- time.Time{}
		}
	}
	series1(p, testBase, 0, 1)
	processed(t, p)
	ticks(2)
	if n := p.Stats().Inferences; n != 0 {
		t.Fatalf("%d inferences on a window that is not full", n)
	}
	series1(p, testBase, 1, 2, 3)
	processed(t, p)
	ticks(3)
	series1(p, testBase, 3, 4)
	processed(t, p)
	ticks(2)
	var got []float64
	for _, pr := range rec.all() {
		got = append(got, values(t, pr)[0])
	}
	if want := []float64{2 + 3, 3 + 4}; !slices.Equal(got, want) {
		t.Errorf("published %v, want %v (the latest window, once per new data)", got, want)
	}
}

func TestIntervalFramesUseTheNewest(t *testing.T) {
	rec := &recorder{}
	p, err := New(Options{
		Name: "raw", Model: newTestModel(t, sumModel(t, []int{1, 2}), nil),
		Interval: time.Second, Post: Post{Kind: KindRegression}, Sink: rec.sink,
	})
	if err != nil {
		t.Fatal(err)
	}
	tick := manualTicker(p)
	start(t, p)
	raw := func(a, b float32) []byte {
		t := &tensor.Tensor{Type: tensor.Float32, Shape: []int{2}, Data: make([]byte, 8)}
		copy(t.Float32(), []float32{a, b})
		return t.Data
	}
	p.Offer(sensor.Sample{TS: testBase, Raw: raw(1, 2)})
	p.Offer(sensor.Sample{TS: testBase.Add(time.Second), Raw: raw(10, 20)})
	p.Offer(sensor.Sample{TS: testBase.Add(2 * time.Second), Raw: []byte{1, 2, 3}})
	processed(t, p)
	tick <- time.Time{}
	tick <- time.Time{}
	preds := rec.all()
	if len(preds) != 1 || values(t, preds[0])[0] != 30 || index(preds[0].TS) != 1 {
		t.Fatalf("predictions %+v, want one of the newest good frame (30)", preds)
	}
	if st := p.Stats(); st.Rejected[ReasonBadShape] != 1 || st.Accepted != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestRunStopsAndDrainFinishes(t *testing.T) {
	rec := &recorder{}
	p, err := New(Options{Name: "r", Channels: []string{"v"}, Model: newTestModel(t, sumModel(t, []int{1, 1}), nil), Sink: rec.sink})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	series1(p, testBase, 0, 1)
	waitFor(t, "a prediction", func() bool { return p.Stats().Published == 1 })
	if err := p.Run(ctx); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Errorf("second Run: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	series1(p, testBase, 1, 2, 3) // queued after Run returned
	if st := p.Stats(); st.Queued != 2 {
		t.Fatalf("%d queued, want 2", st.Queued)
	}
	cancelled, stop := context.WithCancel(context.Background())
	stop()
	if err := p.Drain(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("Drain with an ended context: %v", err)
	}
	drain(t, p)
	if st := p.Stats(); st.Published != 3 || st.Queued != 0 {
		t.Errorf("stats %+v, want all 3 published", st)
	}
}

func TestEvalPathAllocatesOnlyTheRecord(t *testing.T) {
	var published int
	sink := func(ctx context.Context, p wire.Prediction) (uint64, error) {
		published++
		return uint64(published), nil
	}
	p, err := New(Options{
		Name: "alloc", Channels: []string{"x", "y", "z"}, Model: demoModel(t),
		Queue: demo.WindowLen, Window: Window{Stride: 1}, Sink: sink, Quality: Quality{StuckSamples: 5},
	})
	if err != nil {
		t.Fatal(err)
	}
	samples := motionSamples(3, 200)
	for _, s := range samples[:demo.WindowLen] {
		p.Offer(s)
	}
	drain(t, p)
	i := demo.WindowLen
	ctx := context.Background()
	allocs := testing.AllocsPerRun(100, func() {
		p.Offer(samples[i])
		i++
		if err := p.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	})
	// The prediction's Output JSON and its Top slice.
	t.Logf("%v allocations per sample and inference", allocs)
	if allocs > 2 {
		t.Errorf("%v allocations per sample and inference, want at most 2", allocs)
	}
	if published != 1+101 {
		t.Errorf("%d published, want one per sample; stats %+v", published, p.Stats())
	}
}

func TestLatencyMedian(t *testing.T) {
	c := newCounters()
	if c.p50() != 0 {
		t.Error("median of nothing is not 0")
	}
	for _, d := range []time.Duration{5, 1, 3} {
		c.latency(d)
	}
	if c.p50() != 3 {
		t.Errorf("median %v, want 3", c.p50())
	}
	for range latencyWindow {
		c.latency(10)
	}
	c.latency(2)
	if c.p50() != 10 {
		t.Errorf("median %v over the recent window, want 10", c.p50())
	}
}

func TestSampleWithoutTimestampGetsTheClock(t *testing.T) {
	clock := newFakeClock()
	rec := &recorder{}
	p, err := New(Options{Name: "ts", Channels: []string{"v"}, Model: newTestModel(t, sumModel(t, []int{1, 1}), nil), Sink: rec.sink, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	p.Offer(sensor.Sample{Values: []float32{1}})
	drain(t, p)
	if preds := rec.all(); len(preds) != 1 || !preds[0].TS.Equal(clock.Now()) {
		t.Errorf("predictions %+v, want one stamped %v", preds, clock.Now())
	}
}
