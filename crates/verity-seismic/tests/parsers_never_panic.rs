//! Property tests: every parser rejects random, truncated and mutated input with an error
//! (never a panic). The same entry points are fuzzed by `fuzz/` (cargo-fuzz).
use proptest::prelude::*;
use verity_seismic::magnitude::AttenuationTable;
use verity_seismic::traveltime::{Phase, TravelTimeTable};
use verity_seismic::xenon::parse_xenon_csv;
use verity_seismic::{parse_picks_csv, parse_stations_csv, parse_stationxml};

const PICKS: &str = "station,phase,time\nXX.S01,P,2024-01-01T00:01:02.5Z\nXX.S02,Pn,1704067262.25,0.5\nS03,S,2024-01-01T00:03:00Z\n";
const STATIONS: &str =
    "code,lat,lon,elev_m,sensitivity\nXX.S01,45.1,10.2,300,6.3e8\nS02,-12.5,170.25,0\n";
const XENON: &str = "isotope,activity_mbq_m3,uncertainty_mbq_m3,time\nXe-131m,0.2,0.05,2024-01-02T00:00:00Z\nXe-133m,1.5,0.2,2024-01-02T00:00:00Z\nXe-133,10,1,2024-01-02T00:00:00Z\nXe-135,3,0.5,2024-01-02T00:00:00Z\n";
const XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<FDSNStationXML xmlns="http://www.fdsn.org/xml/station/1" schemaVersion="1.1"><Source>test</Source>
<Network code="XX"><Station code="S01"><Latitude>45.1</Latitude><Longitude>10.2</Longitude><Elevation>300</Elevation>
<Channel code="BHZ" locationCode=""><Latitude>45.1</Latitude><Response><InstrumentSensitivity><Value>6.3e8</Value>
<Frequency>1.0</Frequency><InputUnits><Name>M/S</Name></InputUnits></InstrumentSensitivity></Response></Channel></Station></Network></FDSNStationXML>"#;
const QTABLE: &str = "distance_deg,depth_km,q\n20,0,3.0\n40,0,3.4\n20,100,2.8\n40,100,3.2\n";

fn all_parsers(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let _ = parse_picks_csv(&text);
    let _ = parse_stations_csv(&text);
    let _ = parse_stationxml(&text);
    let _ = parse_xenon_csv(&text);
    let _ = AttenuationTable::from_csv(&text);
    let _ = TravelTimeTable::from_csv(Phase::P, &text);
}

#[test]
fn valid_samples_parse() {
    assert_eq!(parse_picks_csv(PICKS).unwrap().len(), 3);
    assert_eq!(parse_stations_csv(STATIONS).unwrap().len(), 2);
    assert_eq!(parse_xenon_csv(XENON).unwrap().len(), 4);
    let xml = parse_stationxml(XML).unwrap();
    assert_eq!(xml.len(), 1);
    assert_eq!(xml[0].sensitivities.len(), 1);
    assert!(AttenuationTable::from_csv(QTABLE).is_ok());
}

#[test]
fn every_truncation_is_handled() {
    for sample in [PICKS, STATIONS, XENON, XML, QTABLE] {
        for cut in 0..sample.len() {
            all_parsers(&sample.as_bytes()[..cut]);
        }
    }
    // Truncated StationXML must be an error, not a partial success.
    for cut in 0..XML.len() - 1 {
        if XML.is_char_boundary(cut) {
            assert!(parse_stationxml(&XML[..cut]).is_err(), "cut {cut} accepted");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        all_parsers(&bytes);
    }

    #[test]
    fn mutated_samples_never_panic(which in 0usize..5, pos in any::<prop::sample::Index>(), byte in any::<u8>(), n in 1usize..4) {
        let sample = [PICKS, STATIONS, XENON, XML, QTABLE][which];
        let mut b = sample.as_bytes().to_vec();
        for k in 0..n {
            let i = (pos.index(b.len()) + k * 7) % b.len();
            b[i] = byte;
        }
        all_parsers(&b);
    }
}
