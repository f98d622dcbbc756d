//! Malformed treaty files and declarations give precise errors (line:column, field, column).
use verity_treaty::*;

const GOOD: &str = r#"[treaty]
id = "t"
name = "T"
entry_into_force = "2020-01-01"

[[party]]
id = "A"
name = "A"

[[kind]]
id = "k"
[[kind.quantity]]
name = "q"
unit = "u"

[[rule]]
id = "r"
type = "limit"
article = "Art. 1"
quantity = "q"
limit = 10
"#;

#[test]
fn good_file_parses() {
    Treaty::from_toml(GOOD, "t.toml").unwrap();
}

/// (replace this, with that, expected "file:line:col: message" prefix / fragment)
#[test]
fn malformed_definitions_table() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "quantity = \"q\"",
            "quantity = \"nope\"",
            "t.toml:20:12: `rule.quantity`: kind `k` has no declared or derived quantity `nope`",
        ),
        (
            "type = \"limit\"",
            "type = \"limitt\"",
            "t.toml:18:8: `rule.type`: `limitt` is not one of",
        ),
        (
            "limit = 10",
            "limit = 10\nradius = 3",
            "t.toml:22:1: unknown field `radius`",
        ),
        (
            "limit = 10",
            "limit = 10\nmeasure = \"polygon_area\"",
            "t.toml:22:11: `rule.measure` is not used by rules of type `limit` (rule `r`)",
        ),
        (
            "entry_into_force = \"2020-01-01\"",
            "entry_into_force = \"2020-13-01\"",
            "t.toml:4:20: `treaty.entry_into_force`: `2020-13-01` is not a date",
        ),
        (
            "article = \"Art. 1\"",
            "article = \"\"",
            "t.toml:19:11: `rule.article`: rule `r` must cite the article",
        ),
        (
            "limit = 10",
            "limit = \"ten\"",
            "t.toml:21:9: invalid type: string \"ten\", expected f64",
        ),
        (
            "name = \"q\"",
            "name = \"2q\"",
            "t.toml:13:8: `kind.quantity.name`: `2q` must start with a letter",
        ),
        (
            "name = \"A\"\n",
            "name = \"A\"\n[[party]]\nid = \"A\"\nname = \"B\"\n",
            "t.toml:10:6: `party.id`: duplicate party `A`",
        ),
        ("[treaty]", "[treaty\n", "t.toml:1:8:"),
    ];
    for (from, to, want) in cases {
        assert!(GOOD.contains(from), "{from}");
        let text = GOOD.replacen(from, to, 1);
        let err = Treaty::from_toml(&text, "t.toml").unwrap_err().to_string();
        assert!(
            err.starts_with(want) || err.contains(want),
            "\nwant: {want}\n got: {err}"
        );
    }
}

#[test]
fn derived_expression_error_points_into_the_expression() {
    let text = GOOD.replacen(
        "[[rule]]",
        "[[derived]]\nname = \"d\"\nexpression = \"q + zz\"\nunit = \"u\"\n\n[[rule]]",
        1,
    );
    let err = Treaty::from_toml(&text, "t.toml").unwrap_err();
    assert_eq!((err.line, err.column), (18, 19), "{err}");
    assert!(err.message.contains("unknown quantity `zz`"), "{err}");
}

#[test]
fn malformed_csv_table() {
    let t = Treaty::from_toml(GOOD, "t.toml").unwrap();
    let cases: &[(&str, &str)] = &[
        (
            "party,as_of,q\nA,2020-01-01,x\n",
            "d.csv: line 2, column `q`: `x` is not a number",
        ),
        (
            "party,as_of,q\nA,2020-02-30,1\n",
            "d.csv: line 2, column `as_of`: `2020-02-30` is not a date YYYY-MM-DD",
        ),
        (
            "party,as_of,zz\nA,2020-01-01,1\n",
            "d.csv: line 1: column `zz` is not a quantity or field of treaty `t`",
        ),
        (
            "# c\n# c\nparty,as_of,q\nA,2020-01-01,1,2\n",
            "d.csv: line 4: expected 3 columns as in the header, found 4",
        ),
        (
            "as_of,party,q\n",
            "d.csv: line 1: the header must start with `party,as_of`",
        ),
        (
            "party,as_of,q\n,2020-01-01,1\n",
            "d.csv: line 2, column `party`: empty party",
        ),
        (
            "party,as_of,q,q\n",
            "d.csv: line 1: column `q` appears twice",
        ),
    ];
    for (csv, want) in cases {
        let err = parse_csv(csv, "d.csv", &t).unwrap_err().to_string();
        assert!(err.starts_with(want), "\nwant: {want}\n got: {err}");
    }
}

#[test]
fn declarations_that_do_not_fit_the_treaty() {
    let t = Treaty::from_toml(GOOD, "t.toml").unwrap();
    let decls = parse_csv("party,as_of,q\nZ,2020-01-01,1\n", "d.csv", &t).unwrap();
    let err = evaluate(&t, &decls, &Options::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "declaration file:d.csv:2: unknown party `Z` for treaty `t`"
    );
    let json = r#"[{"party":"A","as_of":"2020-01-01","quantities":{"q":1}},{"party":"A","as_of":"2020-01-01","bogus":1}]"#;
    let err = parse_json(json, "d.json").unwrap_err().to_string();
    assert!(
        err.starts_with("d.json: record 2: unknown field `bogus`"),
        "{err}"
    );
    let dup = parse_json(r#"[{"party":"A","as_of":"2020-01-01","reference":"x"},{"party":"A","as_of":"2020-01-02","reference":"x"}]"#, "d.json").unwrap();
    assert_eq!(
        evaluate(&t, &dup, &Options::default()).unwrap_err(),
        EvalError::DuplicateReference("x".into())
    );
}
