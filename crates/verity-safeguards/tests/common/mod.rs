//! Helpers that build accountancy bundles in code.
#![allow(dead_code)]

use time::Date;
use verity_safeguards::model::*;

pub fn d(text: &str) -> Date {
    parse_date(text).unwrap()
}

pub fn method(id: &str, random_pct: f64, systematic_pct: f64) -> MeasurementMethod {
    MeasurementMethod {
        id: id.into(),
        description: None,
        random_rsd_pct: random_pct,
        systematic_rsd_pct: systematic_pct,
        reference: None,
    }
}

pub fn u_batch(name: &str, kmp: &str, kg: f64, method: &str) -> Batch {
    Batch {
        batch: name.into(),
        kmp: kmp.into(),
        element: Element::U,
        element_kg: kg,
        method: method.into(),
        enrichment_pct: None,
        u233_pct: None,
        isotope_method: None,
        form: None,
    }
}

pub fn leu_batch(name: &str, kmp: &str, kg: f64, method: &str, enr: f64, iso: &str) -> Batch {
    Batch {
        enrichment_pct: Some(enr),
        isotope_method: Some(iso.into()),
        ..u_batch(name, kmp, kg, method)
    }
}

pub fn change(date: &str, code: ChangeCode, batch: Batch) -> InventoryChange {
    InventoryChange {
        date: d(date),
        code,
        batch,
        counterpart_mba: None,
        shipper_measurement: None,
    }
}

pub fn mba() -> MaterialBalanceArea {
    MaterialBalanceArea {
        code: "XTST".into(),
        facility: None,
        state: None,
        kmps: vec![
            KeyMeasurementPoint {
                code: "R".into(),
                kind: KmpKind::Flow,
                description: None,
            },
            KeyMeasurementPoint {
                code: "S".into(),
                kind: KmpKind::Flow,
                description: None,
            },
            KeyMeasurementPoint {
                code: "I".into(),
                kind: KmpKind::Inventory,
                description: None,
            },
        ],
    }
}

pub fn pil(date: &str, batches: Vec<Batch>) -> PhysicalInventoryListing {
    PhysicalInventoryListing {
        mba: "XTST".into(),
        date: d(date),
        batches,
    }
}

pub fn bundle(
    methods: Vec<MeasurementMethod>,
    pils: Vec<PhysicalInventoryListing>,
    changes: Vec<InventoryChange>,
    model: SystematicModel,
) -> AccountancyBundle {
    AccountancyBundle {
        mba: mba(),
        methods,
        physical_inventory_listings: pils,
        inventory_change_reports: vec![InventoryChangeReport {
            mba: "XTST".into(),
            report_no: 1,
            changes,
        }],
        systematic_errors: model,
    }
}

pub fn testdata(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
