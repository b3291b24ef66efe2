package dwconv

// packAddends fills the addend table: per (row configuration, column
// configuration), per block and lane, bias + InOffset × the sum of the
// weights of the taps in bounds (rows [r0, r1), columns [c0, c1)), minus
// 128 × the sum of all weights for avx512vnni; and each output row's and
// column's offset into it.
func (l *simdLayout) packAddends(filter []int8, p *Params, rows, cols [][2]int, rowOf, colOf []int) {
	C, KH, KW := p.C, p.KH, p.KW
	blk := l.blocks * groupWidth
	l.add = make([]int32, len(rows)*len(cols)*blk)
	for ri, r := range rows {
		for ci, cc := range cols {
			a := l.add[(ri*len(cols)+ci)*blk:][:blk]
			for i := range a {
				c := l.channel(i/groupWidth, i%groupWidth)
				var in, all int32
				for fy := range KH {
					for fx := range KW {
						v := int32(filter[(fy*KW+fx)*C+c])
						all += v
						if fy >= r[0] && fy < r[1] && fx >= cc[0] && fx < cc[1] {
							in += v
						}
					}
				}
				s := p.InOffset * in
				if l.vnni {
					s -= 128 * all
				}
				if p.Bias != nil {
					s += p.Bias[c]
				}
				a[i] = s
			}
		}
	}
	l.rowAdd = make([]int, p.OH)
	for oy, ri := range rowOf {
		l.rowAdd[oy] = ri * len(cols) * blk
	}
	l.colOff = make([]int, p.OW)
	for ox, ci := range colOf {
		l.colOff[ox] = ci * blk * 4
	}
}

// configs returns the distinct tap ranges that rng gives for positions
// 0..n-1, and the index of each position's range.
func configs(n int, rng func(int) (int, int)) (list [][2]int, of []int) {
	of = make([]int, n)
	for i := range n {
		t0, t1 := rng(i)
		k := -1
		for j, r := range list {
			if r == [2]int{t0, t1} {
				k = j
				break
			}
		}
		if k < 0 {
			k = len(list)
			list = append(list, [2]int{t0, t1})
		}
		of[i] = k
	}
	return list, of
}
