package sensor

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// csvTSColumn is the name of the optional timestamp column.
const csvTSColumn = "ts"

// csvLayout is what the first rows of a CSV file say about it.
type csvLayout struct {
	header   bool
	names    []string // channel names
	cols     []int    // the column of each channel
	tsCol    int      // the "ts" column, -1 when none
	nFields  int
	filename string // for errors
}

// probeCSV reads a CSV file's first rows: a first row that holds anything
// that is not a number is a header. columns picks channels by header name
// or by index ("0", "1", ...; also "ch0", ... without a header); without
// columns every column that holds a number in the first data row is a
// channel, except a "ts" header column, which stamps the samples.
func probeCSV(r io.Reader, filename string, columns []string) (*csvLayout, error) {
	cr := newCSVReader(r)
	first, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty CSV file", filename)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filename, err)
	}
	first = append([]string(nil), first...)
	l := &csvLayout{tsCol: -1, nFields: len(first), filename: filename}
	for _, f := range first {
		if _, err := parseCSVNumber(f); err != nil {
			l.header = true
			break
		}
	}
	data := first
	if l.header {
		for i, f := range first {
			if strings.TrimSpace(f) == csvTSColumn {
				l.tsCol = i
			}
		}
		data, err = cr.Read()
		if err == io.EOF {
			data = nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", filename, err)
		}
	}
	if len(columns) > 0 {
		for _, c := range columns {
			i, err := l.column(c, first)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", filename, err)
			}
			l.cols = append(l.cols, i)
			l.names = append(l.names, l.columnName(i, first))
		}
		if err := checkChannelNames(l.names); err != nil {
			return nil, fmt.Errorf("%s: columns: %w", filename, err)
		}
		return l, nil
	}
	if data == nil {
		return nil, fmt.Errorf("%s: no data rows after the header", filename)
	}
	for i, f := range data {
		if i == l.tsCol {
			continue
		}
		if _, err := parseCSVNumber(f); err == nil {
			l.cols = append(l.cols, i)
			l.names = append(l.names, l.columnName(i, first))
		}
	}
	if len(l.cols) == 0 {
		return nil, fmt.Errorf("%s: the first data row holds no numbers", filename)
	}
	if err := checkChannelNames(l.names); err != nil {
		return nil, fmt.Errorf("%s: header: %w", filename, err)
	}
	return l, nil
}

// column finds the column that c names.
func (l *csvLayout) column(c string, first []string) (int, error) {
	if l.header {
		for i, f := range first {
			if strings.TrimSpace(f) == c {
				return i, nil
			}
		}
	}
	idx := c
	if !l.header {
		idx = strings.TrimPrefix(c, "ch")
	}
	if i, err := strconv.Atoi(idx); err == nil && i >= 0 && i < l.nFields {
		return i, nil
	}
	if l.header {
		return 0, fmt.Errorf("column %q is not in the header (%s) nor a column index below %d", c, strings.Join(first, ","), l.nFields)
	}
	return 0, fmt.Errorf("column %q: the file has no header, so columns are indexes 0 to %d", c, l.nFields-1)
}

func (l *csvLayout) columnName(i int, first []string) string {
	if l.header {
		return strings.TrimSpace(first[i])
	}
	return "ch" + strconv.Itoa(i)
}

// csvFrames reads a CSV file's data rows as samples.
type csvFrames struct {
	l      *csvLayout
	cr     *csv.Reader
	closer io.Closer
}

func newCSVFrames(r io.Reader, l *csvLayout) (*csvFrames, error) {
	f := &csvFrames{l: l, cr: newCSVReader(r)}
	if l.header {
		if _, err := f.cr.Read(); err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: %w", l.filename, err)
		}
	}
	return f, nil
}

func (f *csvFrames) next() (Sample, error) {
	rec, err := f.cr.Read()
	if err == io.EOF {
		return Sample{}, io.EOF
	}
	if err != nil {
		// csv.ParseError names the line.
		return Sample{}, fmt.Errorf("%s: %w", f.l.filename, err)
	}
	line, _ := f.cr.FieldPos(0)
	if len(rec) != f.l.nFields {
		return Sample{}, fmt.Errorf("%s line %d: %d fields, want %d", f.l.filename, line, len(rec), f.l.nFields)
	}
	s := Sample{Values: make([]float32, len(f.l.cols))}
	for k, c := range f.l.cols {
		v, err := parseCSVNumber(rec[c])
		if err != nil {
			return Sample{}, fmt.Errorf("%s line %d: column %q: %w", f.l.filename, line, f.l.names[k], err)
		}
		s.Values[k] = v
	}
	if f.l.tsCol >= 0 {
		ts, err := parseCSVTime(rec[f.l.tsCol])
		if err != nil {
			return Sample{}, fmt.Errorf("%s line %d: column %q: %w", f.l.filename, line, csvTSColumn, err)
		}
		s.TS = ts
	}
	return s, nil
}

func (f *csvFrames) Close() error {
	if f.closer != nil {
		return f.closer.Close()
	}
	return nil
}

// newCSVReader reads comma-separated records, skipping a UTF-8 byte-order
// mark, blank lines and lines starting with '#'. Every record must have as
// many fields as the first.
func newCSVReader(r io.Reader) *csv.Reader {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	return cr
}

// parseCSVNumber parses one value (surrounding spaces allowed). "NaN" and
// "Inf" are accepted (a replayed fault); values beyond float32 are not.
func parseCSVNumber(s string) (float32, error) {
	s = strings.TrimSpace(s)
	v, err := strconv.ParseFloat(s, 32)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%q is out of the float32 range", s)
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return float32(v), nil
}

// parseCSVTime parses a "ts" value: RFC 3339 or Unix seconds.
func parseCSVTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	sec, err := strconv.ParseFloat(s, 64)
	if err != nil || sec != sec || sec < -1e11 || sec > 1e11 {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor Unix seconds", s)
	}
	whole := int64(sec)
	return time.Unix(whole, int64((sec-float64(whole))*1e9)).UTC(), nil
}

// initCSV checks the file's header and first row.
func (f *File) initCSV(columns []string) error {
	fh, err := os.Open(f.path)
	if err != nil {
		return err
	}
	defer fh.Close()
	l, err := probeCSV(fh, f.path, columns)
	if err != nil {
		return err
	}
	f.channels = l.names
	f.open = func() (frames, error) {
		fh, err := os.Open(f.path)
		if err != nil {
			return nil, err
		}
		fr, err := newCSVFrames(fh, l)
		if err != nil {
			fh.Close()
			return nil, err
		}
		fr.closer = fh
		return fr, nil
	}
	return nil
}
