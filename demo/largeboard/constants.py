"""The generator's sizes and fixed values, the fictional names and texts it draws from, and the paths of the cases
(the step changes that lead to each state)."""

from cases.models import CaseState

BOARD_PREFIX = "Stichting Grootproef"
PASSWORD = "meldcode-bench"
BENCH_REFERENCES = {"PROEF-200": 200, "PROEF-050": 50}
BATCH = 2000
GROUPS_PER_SCHOOL = 8

FIRST_NAMES = [
    "Anouk",
    "Bram",
    "Daan",
    "Eline",
    "Fenna",
    "Gijs",
    "Hanna",
    "Isa",
    "Jelle",
    "Kiki",
    "Lars",
    "Maud",
    "Noor",
    "Olaf",
    "Pien",
    "Quinten",
    "Roos",
    "Sem",
    "Tess",
    "Ugo",
    "Vera",
    "Wout",
    "Xander",
    "Yara",
    "Zoë",
    "Bas",
    "Cato",
    "Dirk",
    "Evi",
    "Floor",
    "Guus",
    "Hidde",
    "Ilse",
    "Joep",
    "Lotte",
    "Mees",
    "Nina",
    "Otto",
    "Puck",
    "Rik",
]
LAST_NAMES = [
    "Akkerveld",
    "Berkhout",
    "Dijkgraaf",
    "Esveld",
    "Fluitsma",
    "Goudriaan",
    "Hoekstein",
    "Ijzerman",
    "Jonkhout",
    "Kamperdijk",
    "Lindeboom",
    "Meerveld",
    "Nagelkerk",
    "Oosterbroek",
    "Pekelaar",
    "Rietveldt",
    "Schuttenberg",
    "Terwisscha",
    "Uilenbroek",
    "Vlasveld",
    "Wijnstok",
    "Zandvliet",
    "Brinkhorst",
    "Heuvelink",
    "Klaverstein",
    "Molenaar",
    "Strookman",
    "Veldhuizen",
    "Wolterbeek",
    "Zwanenburg",
]
SCHOOL_NAMES = "De Regenboog|Het Klimrek|De Zandloper|De Kastanje|Het Palet|De Wegwijzer|De Sterrenwacht|Het Kompas"
SCHOOL_NAMES = SCHOOL_NAMES.split("|")
CITIES = ["Zwolle", "Deventer", "Apeldoorn", "Kampen", "Harderwijk", "Meppel", "Hattem", "Heino", "Raalte", "Dalfsen"]
PLACES = ["klaslokaal", "speelplein", "gymzaal", "gang", "schoolplein bij het hek", "bibliotheek"]
SITUATIONS = ["rekenles", "kleine pauze", "gymles", "binnenkomst", "overblijven", "kringgesprek"]
OBSERVATIONS = [
    "Blauwe plek van ongeveer {n} cm op de bovenarm.",
    "Kind zegt: 'Papa was weer heel boos gisteren.'",
    "Kind komt zonder ontbijt en zonder jas naar school, de {n}e keer deze maand.",
    "Moeder vertelt bij het hek dat het thuis onrustig is.",
    "Kind schrikt hevig als een volwassene de stem verheft.",
    "Kind valt {n} keer in slaap tijdens de les.",
]
ROUTE_A_STATES = [
    (CaseState.SIGNALLING, 10),
    (CaseState.CONSULTING, 10),
    (CaseState.PARENT_TALK, 8),
    (CaseState.WEIGHING, 8),
    (CaseState.HELP, 8),
    (CaseState.EVALUATING, 5),
    (CaseState.REPORTED, 5),
    (CaseState.VT_INVOLVED, 6),
    (CaseState.MONITORING, 8),
    (CaseState.CLOSED, 32),
]
ROUTE_B_STATES = [
    (CaseState.DUTY_TO_INFORM, 30),
    (CaseState.INSPECTOR_CONSULTED, 25),
    (CaseState.POLICE_REPORT, 15),
    (CaseState.NO_POLICE_REPORT, 10),
    (CaseState.CLOSED, 20),
]
# The step changes that lead to each state (route A and C).
PATHS = {
    CaseState.SIGNALLING: [],
    CaseState.CONSULTING: ["to_consulting"],
    CaseState.PARENT_TALK: ["to_consulting", "to_parent_talk"],
    CaseState.WEIGHING: ["to_consulting", "to_parent_talk", "to_weighing"],
    CaseState.HELP: ["to_consulting", "to_parent_talk", "to_weighing", "start_help"],
    CaseState.EVALUATING: ["to_consulting", "to_parent_talk", "to_weighing", "start_help", "start_evaluation"],
    CaseState.REPORTED: ["to_consulting", "to_parent_talk", "to_weighing", "report"],
    CaseState.VT_INVOLVED: ["to_consulting", "to_parent_talk", "to_weighing", "report", "to_vt_involved"],
    CaseState.MONITORING: [
        "to_consulting",
        "to_parent_talk",
        "to_weighing",
        "start_help",
        "start_evaluation",
        "to_monitoring",
    ],
}
CLOSED_PATHS = [
    ["to_consulting", "to_parent_talk", "to_weighing", "close_no_action"],
    ["to_consulting", "to_parent_talk", "to_weighing", "start_help", "start_evaluation", "to_monitoring", "close"],
    ["to_consulting", "to_parent_talk", "to_weighing", "report", "to_vt_involved", "close"],
]
B_PATHS = {
    CaseState.DUTY_TO_INFORM: ["start_route_b"],
    CaseState.INSPECTOR_CONSULTED: ["start_route_b", "inspector_consulted"],
    CaseState.POLICE_REPORT: ["start_route_b", "inspector_consulted", "police_report"],
    CaseState.NO_POLICE_REPORT: ["start_route_b", "inspector_consulted", "no_police_report"],
    CaseState.CLOSED: ["start_route_b", "inspector_consulted", "police_report", "close"],
}
TARGETS = {
    "to_consulting": CaseState.CONSULTING,
    "to_parent_talk": CaseState.PARENT_TALK,
    "to_weighing": CaseState.WEIGHING,
    "start_help": CaseState.HELP,
    "start_evaluation": CaseState.EVALUATING,
    "report": CaseState.REPORTED,
    "to_vt_involved": CaseState.VT_INVOLVED,
    "to_monitoring": CaseState.MONITORING,
    "close": CaseState.CLOSED,
    "close_no_action": CaseState.CLOSED,
    "start_route_b": CaseState.DUTY_TO_INFORM,
    "inspector_consulted": CaseState.INSPECTOR_CONSULTED,
    "police_report": CaseState.POLICE_REPORT,
    "no_police_report": CaseState.NO_POLICE_REPORT,
}
