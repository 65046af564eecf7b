import { BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartConfiguration } from "chart.js";
import { useEffect, useRef } from "preact/hooks";

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip, Legend, Filler);
Chart.defaults.font.family = "inherit";
Chart.defaults.color = "#9aa4b2";
Chart.defaults.borderColor = "#2a313c";

/** A Chart.js chart that follows its configuration: created once, updated in place (no animation) as data arrives. */
export function ChartView({ config, height, label }: { config: ChartConfiguration; height: number; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  useEffect(() => {
    chart.current = new Chart(canvas.current!, { ...config, options: { ...config.options, animation: false, maintainAspectRatio: false } });
    return () => chart.current?.destroy();
    // Built once; later configurations update it below.
  }, []);
  useEffect(() => {
    if (!chart.current) return;
    chart.current.data = config.data;
    chart.current.options = { ...config.options, animation: false, maintainAspectRatio: false };
    chart.current.update("none");
  }, [config]);
  return (
    <div class="chart" style={{ height }}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
