# Draws one plot of syndicate-bench's results: throughput (left) and p99 latency (right)
# against the load, one line per data file DATA/PLOT.*.tsv (the format: bench/plot_data.h
# and bench/README.md, "Plots"). Titles, axis labels and the x scale come from each file's
# "# key: value" lines; the first file's are used.
#
#   gnuplot -e "data='DIR'; plot_name='pull-10KB'; output='pull-10KB.png'" bench/plots/lines.gp
#
# scripts/bench.sh runs it once per plot found in its data directory.
files = system(sprintf("ls '%s'/%s.*.tsv 2>/dev/null | LC_ALL=C sort", data, plot_name))
if (words(files) == 0) {
  print sprintf("lines.gp: no data files %s/%s.*.tsv", data, plot_name)
  exit status 1
}
meta(file, key) = system(sprintf("sed -n 's/^# %s: //p' '%s' | head -n 1", key, file))
first = word(files, 1)

set terminal pngcairo size 1200,480 font "sans,10"
set output output
set datafile separator "\t"
set datafile commentschars "#"
set key top left
set grid
set xlabel meta(first, "x")
set xtics nomirror
set ytics nomirror
if (meta(first, "log x") eq "yes") { set logscale x }
set multiplot layout 1,2 title meta(first, "plot")

set title "throughput"
set ylabel meta(first, "throughput")
set yrange [0:*]
plot for [f in files] f using 1:2 with linespoints linewidth 2 title meta(f, "series")

set title "p99 latency"
set ylabel "p99 (ms)"
set yrange [0:*]
plot for [f in files] f using 1:4 with linespoints linewidth 2 title meta(f, "series")

unset multiplot
