package loadgen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// ReadResults reads Results written one JSON object per line (what
// postern-load -json prints), skipping blank lines.
func ReadResults(r io.Reader) ([]Result, error) {
	var out []Result
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" {
			continue
		}
		var res Result
		if err := json.Unmarshal([]byte(l), &res); err != nil {
			return nil, fmt.Errorf("loadgen: results line %d: %w", n, err)
		}
		out = append(out, res)
	}
	return out, sc.Err()
}

// Comparison is one line of a comparison of two servers: a workload at
// a number of clients.
type Comparison struct {
	Workload, Metric string
	Clients          int
	// A and B are the medians of the rounds' values for the two servers.
	A, B float64
	// Ratio is the median over rounds of A's value divided by B's in the
	// same round (0 when no round has both). For idle-conns, whose value
	// is memory per connection, below 1 means A is leaner.
	Ratio float64
	// P50A, P50B, P99A and P99B are the medians of the rounds' latency
	// percentiles, in ms.
	P50A, P50B, P99A, P99B float64
	// ErrorsA and ErrorsB add up the failed operations of every round.
	ErrorsA, ErrorsB int64
	Rounds           int
	// OnlyA is set when B ran no round of the line (smtp-submit: Dovecot
	// has no submission service): the table shows B's columns as "—",
	// and Rounds counts A's rounds.
	OnlyA bool
	// IdleConns is the median of the connections idle-conns held (0 for
	// other workloads).
	IdleConns int
}

// idleMetric is idle-conns' metric, which WriteTable shows apart.
const idleMetric = "KiB/conn"

// Compare pairs the results of servers a and b (by Label) per workload,
// number of clients and round. Lines keep the order in which their
// workload and client count first appear.
func Compare(results []Result, a, b string) []Comparison {
	type line struct {
		w       string
		clients int
	}
	type key struct {
		line
		round int
	}
	byKey := map[key]map[string]Result{}
	var order []line
	seen := map[line]bool{}
	for _, r := range results {
		l := line{r.Workload, r.Clients}
		if !seen[l] {
			seen[l] = true
			order = append(order, l)
		}
		k := key{l, r.Round}
		if byKey[k] == nil {
			byKey[k] = map[string]Result{}
		}
		byKey[k][r.Label] = r
	}
	var out []Comparison
	for _, l := range order {
		c := Comparison{Workload: l.w, Clients: l.clients}
		var va, vb, ratios, p5a, p5b, p9a, p9b, idle []float64
		for k, m := range byKey {
			if k.line != l {
				continue
			}
			ra, okA := m[a]
			rb, okB := m[b]
			if okA {
				va, p5a, p9a = append(va, ra.Value), append(p5a, ra.P50ms), append(p9a, ra.P99ms)
				idle = append(idle, float64(ra.IdleConns))
				c.ErrorsA += ra.Errors
				c.Metric = ra.Metric
			}
			if okB {
				vb, p5b, p9b = append(vb, rb.Value), append(p5b, rb.P50ms), append(p9b, rb.P99ms)
				c.ErrorsB += rb.Errors
				c.Metric = rb.Metric
			}
			if okA && okB && rb.Value > 0 {
				ratios = append(ratios, ra.Value/rb.Value)
				c.Rounds++
			}
		}
		c.A, c.B, c.Ratio = median(va), median(vb), median(ratios)
		if c.OnlyA = len(vb) == 0; c.OnlyA {
			c.Rounds = len(va)
		}
		c.P50A, c.P50B, c.P99A, c.P99B = median(p5a), median(p5b), median(p9a), median(p9b)
		c.IdleConns = int(median(idle))
		out = append(out, c)
	}
	return out
}

// median returns the median of xs (the mean of the two middle values for
// an even count), 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// WriteTable writes comparisons as Markdown tables; nameA and nameB head
// the columns. Throughput lines come first (ratio above 1 means A is
// faster); idle-conns lines, if any, follow in a table of their own
// (memory per idle connection, ratio below 1 means A is leaner, and the
// delivery-to-EXISTS latencies).
func WriteTable(w io.Writer, cs []Comparison, nameA, nameB string) {
	var idle, rest []Comparison
	for _, c := range cs {
		if c.Metric == idleMetric {
			idle = append(idle, c)
		} else {
			rest = append(rest, c)
		}
	}
	if len(rest) > 0 {
		fmt.Fprintf(w, "| workload | clients | metric | %s | %s | ratio (median) | p99 ms %s / %s | errors %s / %s | rounds |\n", nameA, nameB, nameA, nameB, nameA, nameB)
		fmt.Fprintf(w, "|---|---:|---|---:|---:|---:|---:|---:|---:|\n")
	}
	for _, c := range rest {
		if c.OnlyA {
			fmt.Fprintf(w, "| %s | %d | %s | %.1f | — | — (%s only) | %.1f / — | %d / — | %d |\n",
				c.Workload, c.Clients, c.Metric, c.A, nameA, c.P99A, c.ErrorsA, c.Rounds)
			continue
		}
		fmt.Fprintf(w, "| %s | %d | %s | %.1f | %.1f | %.2f× | %.1f / %.1f | %d / %d | %d |\n",
			c.Workload, c.Clients, c.Metric, c.A, c.B, c.Ratio, c.P99A, c.P99B, c.ErrorsA, c.ErrorsB, c.Rounds)
	}
	if len(idle) == 0 {
		return
	}
	if len(rest) > 0 {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "| workload | idle connections | KiB per connection %s / %s | ratio (median) | delivery→EXISTS p50 ms %s / %s | p99 ms %s / %s | errors %s / %s | rounds |\n",
		nameA, nameB, nameA, nameB, nameA, nameB, nameA, nameB)
	fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range idle {
		fmt.Fprintf(w, "| %s | %d | %.1f / %.1f | %.3f× | %.1f / %.1f | %.1f / %.1f | %d / %d | %d |\n",
			c.Workload, c.IdleConns, c.A, c.B, c.Ratio, c.P50A, c.P50B, c.P99A, c.P99B, c.ErrorsA, c.ErrorsB, c.Rounds)
	}
}
