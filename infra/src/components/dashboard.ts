// The stack's one CloudWatch dashboard. Each domain component describes what an operator watches of it as a
// section (its `widgets`), naming the metrics its code emits; this module only lays the sections out, one row
// of widgets under a title each, so a domain adds a chart without touching another's.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsScope } from "../aws-scope";
import { stackMetricsNamespace } from "./node-lambda";

/**
 * A metric line as CloudWatch's dashboard body spells it: `[namespace, name, dimension, value, ..., options]`,
 * or `[{expression, label, id}]` for metric math.
 */
export type MetricLine = pulumi.Input<unknown>[];

export interface MetricWidget {
  title: string;
  metrics: MetricLine[];
  /** The statistic of lines that name none (default Sum). */
  stat?: string;
  stacked?: boolean;
}

export interface DashboardSection {
  title: string;
  widgets: MetricWidget[];
}

const WIDTH = 24;
const CHART_HEIGHT = 6;
const PERIOD_SECONDS = 300;

/** The dashboard body: per section a text header, then its charts side by side. */
export function dashboardBody(sections: DashboardSection[], region: string): Record<string, unknown> {
  const widgets: Record<string, unknown>[] = [];
  let y = 0;
  for (const section of sections) {
    widgets.push({
      type: "text",
      x: 0,
      y,
      width: WIDTH,
      height: 1,
      properties: { markdown: `## ${section.title}` },
    });
    y += 1;
    const width = Math.max(6, Math.floor(WIDTH / Math.max(1, section.widgets.length)));
    section.widgets.forEach((widget, i) => {
      widgets.push({
        type: "metric",
        x: (i * width) % WIDTH,
        y: y + Math.floor((i * width) / WIDTH) * CHART_HEIGHT,
        width,
        height: CHART_HEIGHT,
        properties: {
          title: widget.title,
          region,
          view: "timeSeries",
          stacked: widget.stacked ?? false,
          stat: widget.stat ?? "Sum",
          period: PERIOD_SECONDS,
          metrics: widget.metrics,
        },
      });
    });
    y += Math.ceil((section.widgets.length * width) / WIDTH) * CHART_HEIGHT;
  }
  return { widgets };
}

export interface FleetDashboardArgs {
  /** The dashboard's name (`<namePrefix>overview`): the deploy role manages dashboards under the prefix. */
  dashboardName: string;
  sections: DashboardSection[];
}

export class FleetDashboard extends pulumi.ComponentResource {
  public readonly dashboard: aws.cloudwatch.Dashboard;

  constructor(name: string, args: FleetDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fleet:index:Dashboard", name, {}, opts);
    const empty = args.sections.filter((section) => section.widgets.length === 0).map((s) => s.title);
    if (empty.length > 0)
      throw new Error(`FleetDashboard ${name}: sections without widgets: ${empty.join(", ")}`);
    const region = awsScope(this).apply((scope) => scope.region);
    this.dashboard = new aws.cloudwatch.Dashboard(
      name,
      {
        dashboardName: args.dashboardName,
        dashboardBody: pulumi
          .all([pulumi.output(args.sections), region])
          .apply(([sections, r]) => JSON.stringify(dashboardBody(sections as DashboardSection[], r))),
      },
      { parent: this },
    );
    this.registerOutputs({ dashboardName: this.dashboard.dashboardName });
  }
}

/** A line of a metric the fleet's handlers publish through Powertools: the stack's namespace, `service` dimension. */
export const fleetMetric = (service: string, metricName: string, options: Record<string, unknown> = {}) => [
  stackMetricsNamespace(),
  metricName,
  "service",
  service,
  options,
];
