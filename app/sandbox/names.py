"""Name and address material for demo contacts, as a Latin-1 Keap database holds it.

Names that Latin-1 can hold keep their letters (Zoë Müller, François, José Núñez,
Søren, Åsa); Polish, Lithuanian, Czech, Vietnamese, Greek, Russian and Turkish names
are stored transliterated, the way earlier imports left them (Jurate Kazlauskiene,
Lukasz Wojcik). Every string here must encode as Latin-1; a test checks it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Locale:
    code: str
    country: str
    first: tuple[str, ...]
    last: tuple[str, ...]
    cities: tuple[tuple[str, str, str], ...]  # (city, state/region, postal code pattern: 9 = digit)
    streets: tuple[str, ...]
    phone: str  # pattern, 9 = digit
    domains: tuple[str, ...]
    company_suffix: tuple[str, ...]
    weight: int


def _t(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip())


LOCALES: tuple[Locale, ...] = (
    Locale(
        "us",
        "United States",
        _t("James, Mary, Robert, Patricia, Michael, Jennifer, David, Linda, Emily, Daniel, Ashley, Tyler"),
        _t("Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Wilson, Anderson, Taylor, Moore, Clark"),
        (
            ("Boston", "MA", "02999"),
            ("Austin", "TX", "78999"),
            ("Denver", "CO", "80999"),
            ("Portland", "OR", "97999"),
            ("Atlanta", "GA", "30999"),
        ),
        _t("Main St, Oak Ave, Maple Dr, Cedar Ln, Elm St, Washington Blvd"),
        "(999) 999-9999",
        _t("gmail.com, yahoo.com, outlook.com, comcast.net"),
        _t("Inc., LLC, Corp., Group"),
        30,
    ),
    Locale(
        "gb",
        "United Kingdom",
        _t("Oliver, Amelia, Harry, Isla, George, Ava, Siobhán, Niamh, Callum, Freya"),
        _t("O'Brien, Walsh, Hughes, Edwards, Thompson, Wright, Evans, Roberts, MacLeod, Fitzgerald"),
        (
            ("London", "Greater London", "SW1A 9AA"),
            ("Manchester", "Lancashire", "M9 9AB"),
            ("Dublin", "Leinster", "D09 Y999"),
        ),
        _t("High Street, Station Road, Church Lane, Victoria Road"),
        "+44 20 9999 9999",
        _t("btinternet.com, gmail.com, outlook.com"),
        _t("Ltd, plc, & Co."),
        10,
    ),
    Locale(
        "de",
        "Germany",
        _t("Zoë, Jürgen, Günther, Käthe, Lukas, Anna, Björn, Mia, Jörg, Sören, Lena, Felix"),
        _t(
            "Müller, Schäfer, Weiß, Groß, Schröder, Köhler, Becker, Hoffmann, Krüger, Böhm, Fuchs, Zimmermann"
        ),
        (
            ("München", "Bayern", "80999"),
            ("Köln", "Nordrhein-Westfalen", "50999"),
            ("Zürich", "ZH", "8099"),
            ("Wien", "Wien", "1099"),
        ),
        _t("Hauptstraße, Bahnhofstraße, Schloßallee, Gartenweg, Lindenstraße"),
        "+49 89 9999999",
        _t("web.de, gmx.de, t-online.de, gmail.com"),
        _t("GmbH, AG, & Söhne GmbH, KG"),
        12,
    ),
    Locale(
        "fr",
        "France",
        _t("François, Hélène, Chloé, Amélie, Jérôme, Léa, Benoît, Zoë, Noël, Cécile, Gaëlle, Théo"),
        _t("Dubois, Lefèvre, Lemaître, Moreau, Girard, Bonnet, Faure, Rousseau, Mercier, Benoît, Fournier"),
        (
            ("Paris", "Île-de-France", "75099"),
            ("Lyon", "Auvergne-Rhône-Alpes", "69099"),
            ("Besançon", "Bourgogne-Franche-Comté", "25099"),
            ("Montréal", "QC", "H9A 9A9"),
        ),
        _t("rue de la Paix, avenue des Champs-Élysées, boulevard Saint-Germain, rue du Château"),
        "+33 1 99 99 99 99",
        _t("orange.fr, free.fr, laposte.net, gmail.com"),
        _t("SARL, SA, SAS"),
        10,
    ),
    Locale(
        "es",
        "Spain",
        _t("José, María, Íñigo, Begoña, Iñaki, Lucía, Jesús, Ángel, Martín, Sofía, Raúl, Inés"),
        _t("Núñez, García, Fernández, Martínez, López, Sánchez, Pérez, Gómez, Muñoz, Álvarez, Ibáñez"),
        (
            ("Madrid", "Madrid", "28099"),
            ("Málaga", "Andalucía", "29099"),
            ("A Coruña", "Galicia", "15099"),
            ("Ciudad de México", "CDMX", "06099"),
        ),
        _t("Calle Mayor, Avenida de la Constitución, Calle de Alcalá, Paseo de Gràcia"),
        "+34 699 999 999",
        _t("telefonica.net, gmail.com, hotmail.es"),
        _t("S.L., S.A."),
        8,
    ),
    Locale(
        "pt",
        "Portugal",
        _t("João, Conceição, Gonçalo, Inês, Estêvão, Leonor, Sebastião, Beatriz"),
        _t("Gonçalves, Magalhães, Simões, Conceição, Araújo, Gusmão, Brandão, Fonseca"),
        (("Lisboa", "Lisboa", "1099-999"), ("Porto", "Porto", "4099-999"), ("São Paulo", "SP", "01099-999")),
        _t("Rua Augusta, Avenida da Liberdade, Rua de Santa Catarina"),
        "+351 919 999 999",
        _t("sapo.pt, gmail.com"),
        _t("Lda., S.A."),
        5,
    ),
    Locale(
        "it",
        "Italy",
        _t("Niccolò, Giulia, Luca, Chiara, Matteo, Francesca, Andrea, Nicolò"),
        _t("Rossi, Bianchi, Esposito, Romano, Colombo, Ricci, Marino, De Luca"),
        (("Milano", "MI", "20199"), ("Roma", "RM", "00199"), ("Torino", "TO", "10199")),
        _t("Via Roma, Corso Italia, Via Garibaldi, Piazza del Duomo"),
        "+39 02 9999 9999",
        _t("libero.it, tiscali.it, gmail.com"),
        _t("S.r.l., S.p.A."),
        5,
    ),
    Locale(
        "se",
        "Sweden",
        _t("Åsa, Søren, Björn, Märta, Jørgen, Ingrid, Øystein, Linnéa, Sigurður"),
        _t("Ångström, Jørgensen, Söderberg, Løvland, Åkesson, Bjørnstad, Lindqvist, Håkansson"),
        (
            ("Stockholm", "Stockholms län", "11199"),
            ("Göteborg", "Västra Götaland", "41199"),
            ("København", "Hovedstaden", "1099"),
            ("Oslo", "Oslo", "0199"),
        ),
        _t("Storgatan, Drottninggatan, Kungsgatan, Strøget"),
        "+46 8 999 999 99",
        _t("telia.se, gmail.com, hotmail.com"),
        _t("AB, A/S, AS"),
        5,
    ),
    Locale(
        "pl",
        "Poland",
        _t("Lukasz, Malgorzata, Pawel, Agnieszka, Wojciech, Katarzyna, Zbigniew, Grazyna"),
        _t("Wojcik, Wisniewska, Kaminski, Kowalczyk, Lewandowski, Zielinska, Szymanski, Dabrowska"),
        (
            ("Warszawa", "mazowieckie", "00-999"),
            ("Krakow", "malopolskie", "30-999"),
            ("Lodz", "lodzkie", "90-999"),
        ),
        _t("ul. Marszalkowska, ul. Dluga, ul. Swietokrzyska"),
        "+48 22 999 99 99",
        _t("wp.pl, onet.pl, gmail.com"),
        _t("Sp. z o.o., S.A."),
        4,
    ),
    Locale(
        "lt",
        "Lithuania",
        _t("Jurate, Tomas, Ausra, Mindaugas, Egle, Zygimantas, Ruta"),
        _t("Kazlauskiene, Petrauskas, Jankauskaite, Zukauskas, Butkiene, Vasiliauskas"),
        (("Vilnius", "Vilniaus apskritis", "LT-01999"), ("Kaunas", "Kauno apskritis", "LT-44999")),
        _t("Gedimino pr., Pilies g., Laisves al."),
        "+370 699 99999",
        _t("gmail.com, one.lt"),
        _t("UAB, AB"),
        2,
    ),
    Locale(
        "cz",
        "Czech Republic",
        _t("Jiri, Katerina, Tomas, Zdenek, Ruzena, Premysl, Lucie"),
        _t("Novak, Dvorakova, Cerny, Prochazkova, Kucera, Ruzicka, Vesela"),
        (("Praha", "Hlavni mesto Praha", "110 99"), ("Brno", "Jihomoravsky kraj", "602 99")),
        _t("Vaclavske namesti, Narodni trida, Karlova"),
        "+420 299 999 999",
        _t("seznam.cz, email.cz, gmail.com"),
        _t("s.r.o., a.s."),
        2,
    ),
    Locale(
        "vn",
        "Vietnam",
        _t("Van An, Thi Bich, Minh, Thu Ha, Duc Anh, Thi Lan"),
        _t("Nguyen, Tran, Le, Pham, Hoang, Vu, Dang"),
        (("Ha Noi", "Ha Noi", "100000"), ("Ho Chi Minh City", "Ho Chi Minh", "700000")),
        _t("Duong Le Loi, Pho Hang Bac, Duong Nguyen Hue"),
        "+84 24 9999 9999",
        _t("gmail.com, yahoo.com.vn"),
        _t("Co. Ltd, JSC"),
        3,
    ),
    Locale(
        "gr",
        "Greece",
        _t("Georgios, Eleni, Dimitrios, Konstantina, Nikolaos, Vasiliki"),
        _t("Papadopoulos, Nikolaou, Georgiou, Papadaki, Konstantinidis, Oikonomou"),
        (("Athina", "Attiki", "105 99"), ("Thessaloniki", "Kentriki Makedonia", "546 99")),
        _t("Odos Ermou, Leoforos Vasilissis Sofias, Odos Tsimiski"),
        "+30 21 9999 9999",
        _t("otenet.gr, gmail.com"),
        _t("A.E., E.P.E."),
        2,
    ),
    Locale(
        "ru",
        "Russia",
        _t("Dmitri, Olga, Sergei, Tatiana, Aleksandr, Yekaterina, Nikolai, Svetlana"),
        _t("Ivanov, Smirnova, Kuznetsov, Popova, Sokolov, Lebedeva, Kozlov, Novikova"),
        (("Moskva", "Moskva", "101999"), ("Sankt-Peterburg", "Sankt-Peterburg", "190999")),
        _t("ul. Tverskaya, Nevsky prospekt, ul. Arbat"),
        "+7 495 999-99-99",
        _t("yandex.ru, mail.ru, gmail.com"),
        _t("OOO, AO"),
        3,
    ),
    Locale(
        "tr",
        "Turkey",
        _t("Mehmet, Ayse, Mustafa, Fatma, Cagri, Gulsen, Ozgur"),
        _t("Yilmaz, Kaya, Demir, Sahin, Celik, Yildiz, Ozturk"),
        (("Istanbul", "Istanbul", "34999"), ("Ankara", "Ankara", "06999")),
        _t("Istiklal Caddesi, Ataturk Bulvari, Bagdat Caddesi"),
        "+90 212 999 99 99",
        _t("gmail.com, hotmail.com"),
        _t("A.S., Ltd. Sti."),
        2,
    ),
)

JOB_TITLES = _t(
    "Owner, Marketing Manager, CEO, Office Manager, Sales Director, Consultant, Coach, Bookkeeper, "
    "Operations Lead, Founder, Designer, Account Executive"
)
INDUSTRIES = ("Retail", "Consulting", "Health & Wellness", "Education", "Software", "Hospitality", "Finance")
NOTE_TEXTS = (
    "Called, left voicemail.",
    "Asked for a quote on the Pro plan.",
    "Met at the trade show; follow up in May.",
    "Prefers e-mail over phone.",
    "Wants the invoice re-sent with the VAT number.",
    "Interested in the coaching package.",
    "Complained about delivery time; offered 10% off.",
    "Renewal discussed, decision next quarter.",
    "Sent the onboarding guide.",
    "Café meeting went well.",
)
UTM_CAMPAIGNS = ("spring_sale", "newsletter-2024-05", "fb_lookalike", "webinar-sept", "gads_brand", "")
REFERRAL_SOURCES = ("Friend", "Google", "Podcast", "Trade show", "LinkedIn", "Partner: Müller GmbH")
