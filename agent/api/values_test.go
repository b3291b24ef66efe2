package api

import (
	"encoding/json"
	"math"
	"testing"
)

func TestValuesNonFiniteAsNull(t *testing.T) {
	b, err := json.Marshal(Output{Values: Values{1.5, math.NaN(), math.Inf(-1), -2e-7}})
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		Values Values `json:"values"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if len(o.Values) != 4 || o.Values[0] != 1.5 || !math.IsNaN(o.Values[1]) || !math.IsNaN(o.Values[2]) || o.Values[3] != -2e-7 {
		t.Fatalf("%s read back as %v", b, o.Values)
	}
	if err := json.Unmarshal([]byte(`{"values":["x"]}`), &o); err == nil {
		t.Fatal("a string value was accepted")
	}
}
