/**
 * @module
 * Statistics for a period: events per day as bars and the share of choices
 * granting each category as lines, drawn as SVG on the server (no script),
 * with the same numbers in a table, which is also the accessible version.
 */

import { CATEGORIES, CATEGORY_IDS } from "../../../shared/categories.ts";
import type { RefusedOriginCount, StaffDailyStats, StaffRuleSetStats } from "../../../shared/staff-api.ts";
import type { StaffIdentity } from "../../lib/auth/identity.ts";
import { StaffShell } from "./shell.tsx";

export interface StatsPageProps {
  staff: StaffIdentity;
  firstDay: string;
  lastDay: string;
  /** One entry per day of the period, zeros included. */
  days: StaffDailyStats[];
  /** The period split by rule set. */
  byRuleSet: StaffRuleSetStats[];
  /** Site origins whose posts were refused in the period: each is a site missing from ALLOWED_ORIGINS. */
  refusedOrigins: RefusedOriginCount[];
}

const WIDTH = 720;
const HEIGHT = 260;
const PAD = { top: 16, right: 48, bottom: 36, left: 56 };

function percent(part: number, whole: number): string {
  return whole === 0 ? "–" : `${((100 * part) / whole).toFixed(1)}%`;
}

/** A round axis maximum at or above `max`. */
function niceMax(max: number): number {
  if (max <= 5) return 5;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

export function StatsChart({ days }: { days: StaffDailyStats[] }) {
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const top = niceMax(Math.max(0, ...days.map((day) => day.events)));
  const slot = plotWidth / Math.max(days.length, 1);
  const x = (index: number) => PAD.left + index * slot;
  const yEvents = (value: number) => PAD.top + plotHeight - (value / top) * plotHeight;
  const yShare = (share: number) => PAD.top + plotHeight - share * plotHeight;
  const labelEvery = Math.max(1, Math.ceil(days.length / 8));
  return (
    <svg
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-labelledby="chart-title chart-desc"
      class="chart"
      xmlns="http://www.w3.org/2000/svg"
    >
      <title id="chart-title">Consent events per day and share granting each category</title>
      <desc id="chart-desc">
        Bars: events per day (left axis). Lines: percentage of that day's choices granting each category (right axis).
        The table gives every number.
      </desc>
      {[0, 0.25, 0.5, 0.75, 1].map((fraction) => (
        <g>
          <line class="grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={yShare(fraction)} y2={yShare(fraction)} />
          <text class="axis" x={PAD.left - 6} y={yShare(fraction) + 4} text-anchor="end">
            {Math.round(top * fraction)}
          </text>
          <text class="axis" x={WIDTH - PAD.right + 6} y={yShare(fraction) + 4}>
            {`${fraction * 100}%`}
          </text>
        </g>
      ))}
      {days.map((day, index) => (
        <rect
          class="bar"
          x={x(index) + slot * 0.1}
          y={yEvents(day.events)}
          width={Math.max(slot * 0.8, 0.5)}
          height={PAD.top + plotHeight - yEvents(day.events)}
        >
          <title>{`${day.day}: ${day.events} events`}</title>
        </rect>
      ))}
      {CATEGORY_IDS.map((category) => (
        <polyline
          class={`line ${category}`}
          points={days
            .filter((day) => day.events > 0)
            .map(
              (day) =>
                `${(x(days.indexOf(day)) + slot / 2).toFixed(1)},${yShare(day[category] / day.events).toFixed(1)}`,
            )
            .join(" ")}
        />
      ))}
      {days.map((day, index) =>
        index % labelEvery === 0 ? (
          <text class="axis" x={x(index) + slot / 2} y={HEIGHT - PAD.bottom + 16} text-anchor="middle">
            {day.day.slice(5)}
          </text>
        ) : null,
      )}
    </svg>
  );
}

/** A consent refused for its origin is lost until ALLOWED_ORIGINS names the site, so staff see it here. */
function RefusedOrigins({ origins }: { origins: RefusedOriginCount[] }) {
  return (
    <section aria-labelledby="refused-origins">
      <h2 id="refused-origins">Origins refused</h2>
      {origins.length === 0 ? (
        <p>No site was refused in this period.</p>
      ) : (
        <>
          <p>
            These sites posted consents but are not in the worker's <code>ALLOWED_ORIGINS</code>: their visitors'
            choices wait in their browsers until the setting names them.
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Origin</th>
                <th scope="col">Posts refused</th>
              </tr>
            </thead>
            <tbody>
              {origins.map(({ origin, refusals }) => (
                <tr>
                  <th scope="row">{origin}</th>
                  <td>{refusals}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

const RULE_SET_NAMES: Record<StaffRuleSetStats["ruleSet"], string> = {
  eea: "EEA rules (opt-in)",
  uk: "UK rules (inform and object)",
  none: "Not recorded (older widget)",
};

/** The period's choices under each rule set: shares granted differ by law, so they are shown apart. */
function RuleSetSplit({ parts }: { parts: StaffRuleSetStats[] }) {
  if (parts.length === 0) return null;
  return (
    <div class="table-scroll">
      <table>
        <caption>By rule set</caption>
        <thead>
          <tr>
            <th scope="col">Rule set</th>
            <th scope="col">Events</th>
            {CATEGORIES.map((category) => (
              <th scope="col">{`${category.id[0]?.toUpperCase()}${category.id.slice(1)} on`}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {parts.map((part) => (
            <tr>
              <th scope="row">{RULE_SET_NAMES[part.ruleSet]}</th>
              <td>{part.events}</td>
              {CATEGORY_IDS.map((category) => (
                <td>{percent(part[category], part.events)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function StatsPage({ staff, firstDay, lastDay, days, byRuleSet, refusedOrigins }: StatsPageProps) {
  const total = days.reduce(
    (sum, day) => ({
      events: sum.events + day.events,
      analytics: sum.analytics + day.analytics,
      functionality: sum.functionality + day.functionality,
      targeting: sum.targeting + day.targeting,
    }),
    { events: 0, analytics: 0, functionality: 0, targeting: 0 },
  );
  return (
    <StaffShell title="Statistics" staff={staff} section="stats">
      <h1>How visitors choose</h1>
      <form method="get" action="/staff/stats" class="filters" aria-label="Choose a period">
        <fieldset>
          <legend>Period (UTC dates, inclusive)</legend>
          <div class="field">
            <label for="from">From</label>
            <input id="from" name="from" type="date" value={firstDay} />
          </div>
          <div class="field">
            <label for="to">To</label>
            <input id="to" name="to" type="date" value={lastDay} />
          </div>
          <button type="submit">Show</button>
        </fieldset>
      </form>
      <p>
        {total.events} events from {firstDay} to {lastDay}. Of these choices,{" "}
        {CATEGORIES.map((category, index) => (
          <>
            {index === 0 ? "" : index === CATEGORIES.length - 1 ? " and " : ", "}
            {percent(total[category.id], total.events)} granted {category.name.toLowerCase()}
          </>
        ))}
        .
      </p>
      <div class="stats">
        <figure>
          <StatsChart days={days} />
          <figcaption>
            <span class="key bar">Events per day</span>
            {CATEGORIES.map((category) => (
              <span class={`key ${category.id}`}>{category.name}, share granted</span>
            ))}
          </figcaption>
        </figure>
        <div class="table-scroll">
          <table>
            <caption>Per day</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Events</th>
                {CATEGORIES.map((category) => (
                  <th scope="col">{`${category.id[0]?.toUpperCase()}${category.id.slice(1)} granted`}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {days.map((day) => (
                <tr>
                  <th scope="row">{day.day}</th>
                  <td>{day.events}</td>
                  {CATEGORY_IDS.map((category) => (
                    <td>{percent(day[category], day.events)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <RuleSetSplit parts={byRuleSet} />
      <RefusedOrigins origins={refusedOrigins} />
    </StaffShell>
  );
}
