/**
 * Fixtures following the hybrid contract (HYBRID_CONTRACT.md, issue 23): a 30 MW wind + PV + BESS
 * plant with a 10 MW × 4 h firm target in 18–22 h, the same plant without a wind resource, and
 * a gas + BESS plant. Numbers are made consistent by hand (typical day below), not engine output.
 */
import type { DispatchHour, HybridDesign, RoseSector } from "../../api/hybrid";

/** 12 sectors, prevailing from the south-west (225°); frequencies sum to 1. */
export const ROSE: RoseSector[] = [
  { sector_deg: 0, frequency: 0.05, mean_speed_m_s: 5.2 },
  { sector_deg: 30, frequency: 0.04, mean_speed_m_s: 4.8 },
  { sector_deg: 60, frequency: 0.04, mean_speed_m_s: 3.9 },
  { sector_deg: 90, frequency: 0.06, mean_speed_m_s: 5.5 },
  { sector_deg: 120, frequency: 0.07, mean_speed_m_s: 6.1 },
  { sector_deg: 150, frequency: 0.08, mean_speed_m_s: 6.8 },
  { sector_deg: 180, frequency: 0.12, mean_speed_m_s: 7.6 },
  { sector_deg: 210, frequency: 0.16, mean_speed_m_s: 8.9 },
  { sector_deg: 240, frequency: 0.14, mean_speed_m_s: 10.4 },
  { sector_deg: 270, frequency: 0.10, mean_speed_m_s: 8.2 },
  { sector_deg: 300, frequency: 0.06, mean_speed_m_s: 6.6 },
  { sector_deg: 330, frequency: 0.08, mean_speed_m_s: 5.9 },
];

/** PV bell 6–18 h (peak 16 MW), wind 4–6 MW, charge at midday, discharge 10 MW in 18–22 h. */
export const TYPICAL_DAY: DispatchHour[] = Array.from({ length: 24 }, (_, hour) => {
  const pv = hour >= 6 && hour <= 18 ? Number((16 * Math.sin((Math.PI * (hour - 6)) / 12)).toFixed(2)) : 0;
  const wind = Number((5 + Math.cos((Math.PI * hour) / 12)).toFixed(2));
  const charge = hour >= 10 && hour <= 14 ? 8 : 0;
  const inWindow = hour >= 18 && hour < 22;
  const discharge = inWindow ? Math.max(0, 10 - pv - wind) : 0;
  const soc = hour < 10 ? 4 : hour <= 14 ? 4 + 8 * 0.92 * (hour - 9) : 40.8 - (inWindow ? (hour - 17) * 8.5 : hour >= 22 ? 34 : 0);
  return {
    hour,
    pv_mw: pv,
    wind_mw: wind,
    charge_mw: charge,
    discharge_mw: Number(discharge.toFixed(2)),
    soc_mwh: Number(soc.toFixed(2)),
    grid_mw: Number((pv + wind - charge + discharge).toFixed(2)),
    firm_target_mw: inWindow ? 10 : 0,
  };
});

export const HYBRID_DESIGN: HybridDesign = {
  wind: {
    turbine: {
      name: "IEA 3.4 MW reference",
      hub_height_m: 110,
      rotor_diameter_m: 130,
      rated_kw: 3370,
      cut_in_m_s: 4,
      cut_out_m_s: 25,
      power_curve: [
        [4, 100],
        [8, 1600],
        [12, 3370],
        [25, 3370],
      ],
      thrust_curve: [
        [4, 0.8],
        [12, 0.6],
        [25, 0.1],
      ],
      source: "IEA Wind Task 37 reference turbine (FLORIS library)",
    },
    air_density_kg_m3: 1.18,
    resource: {
      kind: "weibull",
      measurement_height_m: 80,
      hub_height_m: 110,
      shear_exponent: 0.143,
      mean_speed_hub_m_s: 7.6,
      hourly_synthesised: true,
      source: "uploaded Weibull table (wind.csv)",
    },
    rose: ROSE,
    wake_model: "FLORIS 4.7 Gauss-curl hybrid (GCH)",
    losses: { wake_pct: 7.1, availability_pct: 97, electrical_pct: 2 },
    spacing: { along_wind_d: 7, across_wind_d: 4, prevailing_deg: 225, setback_tip_heights: 1.5 },
    turbines: [
      { id: "T01", x_m: 0, y_m: 0, gross_aep_mwh: 11200, net_aep_mwh: 10400, wake_loss_pct: 7.1 },
      { id: "T02", x_m: 520, y_m: 0, gross_aep_mwh: 11150, net_aep_mwh: 10050, wake_loss_pct: 9.9 },
      { id: "T03", x_m: 910, y_m: 0, gross_aep_mwh: 11180, net_aep_mwh: 10700, wake_loss_pct: 4.3 },
    ],
  },
  storage: {
    power_kw: 10000,
    energy_kwh: 40000,
    duration_h: 4,
    round_trip_efficiency: 0.86,
    cycles_per_yr: 310,
    warranty_cycles_per_yr: 365,
    target: { kind: "firm", firm_mw: 10, firm_hours: 4, window: [18, 22], days_share: 0.9 },
    firm_days_met_share: 0.93,
    solver: "HiGHS 1.7",
    typical_day: TYPICAL_DAY,
    spacing: { standard: "NFPA 855 (2023)", container_gap_m: 3 },
  },
  economics_by_source: [
    { source: "pv", capex_usd: 18_400_000, opex_usd_per_yr: 290_000, energy_mwh: 41_200, lcoe_usd_per_mwh: 38.2 },
    { source: "wind", capex_usd: 14_100_000, opex_usd_per_yr: 330_000, energy_mwh: 31_150, lcoe_usd_per_mwh: 45.7 },
    { source: "storage", capex_usd: 11_800_000, opex_usd_per_yr: 200_000, energy_mwh: 12_400, lcoe_usd_per_mwh: 112.4 },
  ],
};

export const HYBRID_METRICS: Record<string, unknown> = {
  total_capacity_kw: 30000,
  storage_kwh: 40000,
  turbine_count: 3,
  wind_capacity_kw: 10110,
  wind_gross_aep_mwh: 33530,
  wind_wake_loss_pct: 7.1,
  wind_net_aep_mwh: 31150,
  wind_shear_exponent: 0.143,
  wind_capacity_factor_pct: 35.2,
  storage_kw: 10000,
  storage_duration_h: 4,
  firm_days_met_share: 0.93,
  storage_cycles_per_yr: 310,
  storage_discharge_mwh: 12400,
  storage_curtailment_avoided_mwh: 2100,
  pv_energy_mwh: 41200,
  plant_energy_mwh: 70600,
  plant_lcoe_usd_per_mwh: 51.3,
};

export const NO_WIND_WARNING = "no wind resource: wind energy not computed (upload one with POST /api/sites/{id}/wind or --wind FILE)";

/** The same plant on a site without a wind resource: turbines placed, no wind AEP, the backend's warning. */
export const NO_WIND_DESIGN: HybridDesign = {
  wind: {
    turbine: HYBRID_DESIGN.wind!.turbine,
    spacing: HYBRID_DESIGN.wind!.spacing,
    turbines: [{ id: "T01" }, { id: "T02" }, { id: "T03" }],
  },
};
export const NO_WIND_METRICS: Record<string, unknown> = { total_capacity_kw: 30000, storage_kwh: 0, turbine_count: 3, wind_capacity_kw: 10110 };

export const GAS_DESIGN: HybridDesign = {
  gas: {
    unit_kw: 9300,
    units: 3,
    heat_rate_btu_per_kwh: 8900,
    fuel_price_usd_per_mmbtu: 3.5,
    capacity_factor_pct: 18.4,
    energy_mwh: 44_970,
    fuel_cost_usd_per_yr: 1_400_000,
    co2_t_per_yr: 21_200,
    overshoot_kw: 2900,
    overshoot_reason: "units come whole: 3 × 9.3 MW to reach 25 MW",
    sources: {},
  },
};
