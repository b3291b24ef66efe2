package wire

import (
	"encoding/json"
	"testing"
)

func TestWithSeqIsTheOnlySeq(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{}`, `{"seq":9}`},
		{` {"a":1} `, `{"seq":9,"a":1}`},
		{`{"Seq":0}`, `{"seq":9}`},
		{`{"seq":5,"b":[1,2]}`, `{"seq":9,"b":[1,2]}`},
		{`{"\u0073eq":1,"a":2}`, `{"seq":9,"a":2}`},
		{`{"ſeq":3,"a":"ſ"}`, `{"seq":9,"a":"ſ"}`},
		{`{"sequence":4,"a":"seq"}`, `{"seq":9,"sequence":4,"a":"seq"}`},
		{`{"a":{"seq":1}}`, `{"seq":9,"a":{"seq":1}}`},
	} {
		got, err := WithSeq(9, []byte(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("WithSeq(%s) = %s, %v; want %s", c.in, got, err, c.want)
			continue
		}
		var v struct {
			Seq uint64 `json:"seq"`
		}
		if err := json.Unmarshal(got, &v); err != nil || v.Seq != 9 {
			t.Errorf("%s decodes to seq %d (%v)", got, v.Seq, err)
		}
	}
	for _, bad := range []string{`[1]`, `"x"`, `{"seq":1,}`, `{"Seq":1}{}`, `{"Seq" 1}`} {
		if got, err := WithSeq(1, []byte(bad)); err == nil && json.Valid(got) {
			t.Errorf("WithSeq(%s) = %s: a non-object became a valid record", bad, got)
		}
	}
}
