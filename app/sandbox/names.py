"""Name and address material for demo contacts, as a Latin-1 Keap database holds it.

Names that Latin-1 can hold keep their letters (Zoë Müller, François, José Núñez,
Søren, Åsa, Sigurður); Polish, Lithuanian, Czech, Vietnamese, Greek, Russian and
Turkish names are stored transliterated, the way earlier imports left them (Jurate
Kazlauskiene, Lukasz Wojcik). Every string here must encode as Latin-1; a test checks it.

One locale is one country, and every place carries its own region, postal code and
phone pattern, so an address always agrees with itself (Zürich is in Switzerland with
a Swiss code and a 044 number, never in Germany). Patterns: ``#`` is a digit, ``~`` a
digit 2-9 (no trunk 0 or NANP 1 where a number cannot start with one), ``@`` a letter
that UK, Irish and Canadian postcodes all allow; everything else is literal.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import NamedTuple

#: Letters valid in UK inward codes, Eircode identifiers and Canadian postcodes alike.
POSTCODE_LETTERS = "AEHNPRTWXY"


class Place(NamedTuple):
    """A city with its region, postal-code pattern and phone pattern (the city's area code)."""

    city: str
    region: str
    postal: str
    phone: str


@dataclass(frozen=True)
class Locale:
    """One country's people and places; ``weight`` is its share of the demo contacts."""

    code: str
    country: str
    first: tuple[str, ...]
    last: tuple[str, ...]  # "Male/Female" where the surname follows the person (Kowalski/Kowalska)
    places: tuple[Place, ...]
    streets: tuple[str, ...]
    domains: tuple[str, ...]
    company_suffix: tuple[str, ...]
    weight: int
    first_female: tuple[str, ...] = ()  # only where surnames have a female form
    address: str = "{number} {street}"  # the house number where the country writes it

    def name(self, rng: random.Random) -> tuple[str, str]:
        """A first and last name; a gendered surname takes the form that fits the first name."""
        first = rng.choice(self.first + self.first_female)
        male, _, female = rng.choice(self.last).partition("/")
        return first, (female if female and first in self.first_female else male)


def fill(pattern: str, rng: random.Random) -> str:
    """Expand a postal or phone pattern (``#`` digit, ``~`` digit 2-9, ``@`` postcode letter)."""
    out = []
    for ch in pattern:
        if ch == "#":
            out.append(str(rng.randrange(10)))
        elif ch == "~":
            out.append(str(rng.randrange(2, 10)))
        elif ch == "@":
            out.append(rng.choice(POSTCODE_LETTERS))
        else:
            out.append(ch)
    return "".join(out)


def _t(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip())


P = Place
_GERMAN_SUFFIX = _t("GmbH, AG, KG")

LOCALES: tuple[Locale, ...] = (
    Locale(
        "us",
        "United States",
        _t("James, Mary, Robert, Patricia, Michael, Jennifer, David, Linda, Emily, Daniel, Ashley, Tyler"),
        _t("Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Wilson, Anderson, Taylor, Moore, Clark"),
        (
            P("Boston", "MA", "0211#", "(617) ~##-####"),
            P("Austin", "TX", "7874#", "(512) ~##-####"),
            P("Denver", "CO", "8021#", "(303) ~##-####"),
            P("Portland", "OR", "9721#", "(503) ~##-####"),
            P("Atlanta", "GA", "3031#", "(404) ~##-####"),
        ),
        _t("Main St, Oak Ave, Maple Dr, Cedar Ln, Elm St, Washington Blvd"),
        _t("gmail.com, yahoo.com, outlook.com, comcast.net"),
        _t("Inc., LLC, Corp., Group"),
        27,
    ),
    Locale(
        "ca",
        "Canada",
        _t("Liam, Olivia, Noah, Emma, Mathieu, Geneviève, Étienne, Chloé"),
        _t("Tremblay, Gagnon, Roy, Côté, Bouchard, Smith, MacDonald, Wilson"),
        (
            P("Montréal", "QC", "H2@ #@#", "(514) ~##-####"),
            P("Toronto", "ON", "M5@ #@#", "(416) ~##-####"),
            P("Vancouver", "BC", "V6@ #@#", "(604) ~##-####"),
        ),
        _t("Main St, King St, Queen St, Church St, Park Ave"),
        _t("videotron.ca, sympatico.ca, rogers.com, gmail.com"),
        _t("Inc., Ltd., Ltée"),
        3,
    ),
    Locale(
        "mx",
        "Mexico",
        _t("Alejandro, Guadalupe, Ximena, Santiago, Valeria, Diego, Sofía, Emilio"),
        _t("Hernández, García, Martínez, López, González, Rodríguez, Ramírez, Pérez"),
        (
            P("Ciudad de México", "Ciudad de México", "06~00", "+52 55 ~### ####"),
            P("Guadalajara", "Jalisco", "44~00", "+52 33 ~### ####"),
            P("Monterrey", "Nuevo León", "64~00", "+52 81 ~### ####"),
        ),
        _t("Avenida Juárez, Calle Hidalgo, Avenida Morelos, Calle Zaragoza, Avenida Revolución"),
        _t("prodigy.net.mx, hotmail.com, gmail.com"),
        _t("S.A. de C.V., S. de R.L. de C.V."),
        2,
        address="{street} {number}",
    ),
    Locale(
        "gb",
        "United Kingdom",
        _t("Oliver, Amelia, Harry, Isla, George, Ava, Callum, Freya, Alfie, Poppy"),
        _t("Hughes, Edwards, Thompson, Wright, Evans, Roberts, MacLeod, Taylor, Patel, Davies"),
        (
            P("London", "Greater London", "SE1~ #@@", "+44 20 8### ####"),
            P("Manchester", "Greater Manchester", "M~ #@@", "+44 161 ~## ####"),
            P("Leeds", "West Yorkshire", "LS~ #@@", "+44 113 ~## ####"),
            P("Birmingham", "West Midlands", "B~ #@@", "+44 121 ~## ####"),
            P("Edinburgh", "City of Edinburgh", "EH~ #@@", "+44 131 ~## ####"),
        ),
        _t("High Street, Station Road, Church Lane, Victoria Road, Park Road"),
        _t("btinternet.com, gmail.com, outlook.com"),
        _t("Ltd, plc, & Co."),
        8,
    ),
    Locale(
        "ie",
        "Ireland",
        _t("Siobhán, Niamh, Seán, Aoife, Ciarán, Róisín, Pádraig, Orla"),
        _t("O'Brien, Walsh, Fitzgerald, Murphy, Kelly, Byrne, O'Sullivan, Ryan"),
        (
            P("Dublin", "County Dublin", "D0~ @###", "+353 1 ~## ####"),
            P("Cork", "County Cork", "T12 @###", "+353 21 ~## ####"),
            P("Galway", "County Galway", "H91 @###", "+353 91 ~## ###"),
        ),
        _t("Main Street, Church Road, Strand Road, Mill Lane, Castle Street"),
        _t("eircom.net, gmail.com"),
        _t("Ltd, DAC, Teoranta"),
        2,
    ),
    Locale(
        "de",
        "Germany",
        _t("Zoë, Jürgen, Günther, Käthe, Lukas, Anna, Björn, Mia, Jörg, Sören, Lena, Felix"),
        _t(
            "Müller, Schäfer, Weiß, Groß, Schröder, Köhler, Becker, Hoffmann, Krüger, Böhm, Fuchs, Zimmermann"
        ),
        (
            P("München", "Bayern", "8033#", "+49 89 ~######"),
            P("Köln", "Nordrhein-Westfalen", "5067#", "+49 221 ~######"),
            P("Berlin", "Berlin", "1043#", "+49 30 ~#######"),
            P("Hamburg", "Hamburg", "2035#", "+49 40 ~#######"),
        ),
        _t("Hauptstraße, Bahnhofstraße, Schloßstraße, Gartenweg, Lindenstraße"),
        _t("web.de, gmx.de, t-online.de, gmail.com"),
        (*_GERMAN_SUFFIX, "& Söhne GmbH"),
        8,
        address="{street} {number}",
    ),
    Locale(
        "at",
        "Austria",
        _t("Sebastian, Katharina, Florian, Theresa, Stefan, Johanna, Wolfgang, Elisabeth"),
        _t("Gruber, Huber, Bauer, Wagner, Pichler, Steiner, Moser, Pölzl"),
        (
            P("Wien", "Wien", "10~0", "+43 1 ~## ####"),
            P("Graz", "Steiermark", "8010", "+43 316 ~#####"),
            P("Linz", "Oberösterreich", "4020", "+43 732 ~#####"),
            P("Salzburg", "Salzburg", "5020", "+43 662 ~#####"),
        ),
        _t("Hauptstraße, Bahnhofstraße, Kirchengasse, Schulgasse, Lindengasse"),
        _t("gmx.at, aon.at, a1.net, gmail.com"),
        (*_GERMAN_SUFFIX, "OG"),
        2,
        address="{street} {number}",
    ),
    Locale(
        "ch",
        "Switzerland",
        _t("Reto, Urs, Beat, Corinne, Nadine, Jürg, Regula, Matthias"),
        _t("Müller, Meier, Keller, Brunner, Bühler, Zürcher, Baumann, Gerber"),
        (
            P("Zürich", "ZH", "800~", "+41 44 ~## ## ##"),
            P("Bern", "BE", "300~", "+41 31 ~## ## ##"),
            P("Basel", "BS", "405~", "+41 61 ~## ## ##"),
            P("Luzern", "LU", "600~", "+41 41 ~## ## ##"),
        ),
        _t("Bahnhofstrasse, Dorfstrasse, Hauptstrasse, Kirchgasse, Seestrasse"),
        _t("bluewin.ch, gmx.ch, gmail.com"),
        _t("AG, GmbH"),
        2,
        address="{street} {number}",
    ),
    Locale(
        "fr",
        "France",
        _t("François, Hélène, Chloé, Amélie, Jérôme, Léa, Benoît, Zoë, Noël, Cécile, Gaëlle, Théo"),
        _t("Dubois, Lefèvre, Lemaître, Moreau, Girard, Bonnet, Faure, Rousseau, Mercier, Benoît, Fournier"),
        (
            P("Paris", "Île-de-France", "7501#", "+33 1 ~# ## ## ##"),
            P("Lyon", "Auvergne-Rhône-Alpes", "6900~", "+33 4 78 ## ## ##"),
            P("Besançon", "Bourgogne-Franche-Comté", "25000", "+33 3 81 ## ## ##"),
            P("Marseille", "Provence-Alpes-Côte d'Azur", "1300~", "+33 4 91 ## ## ##"),
            P("Bordeaux", "Nouvelle-Aquitaine", "33000", "+33 5 56 ## ## ##"),
        ),
        _t("rue de la République, avenue Victor Hugo, boulevard Gambetta, rue du Château, place de l'Église"),
        _t("orange.fr, free.fr, laposte.net, gmail.com"),
        _t("SARL, SA, SAS"),
        9,
    ),
    Locale(
        "es",
        "Spain",
        _t("José, María, Íñigo, Begoña, Iñaki, Lucía, Jesús, Ángel, Martín, Sofía, Raúl, Inés"),
        _t("Núñez, García, Fernández, Martínez, López, Sánchez, Pérez, Gómez, Muñoz, Álvarez, Ibáñez"),
        (
            P("Madrid", "Madrid", "2800~", "+34 91 ~## ## ##"),
            P("Barcelona", "Cataluña", "0800~", "+34 93 ~## ## ##"),
            P("Málaga", "Andalucía", "2900~", "+34 952 ## ## ##"),
            P("A Coruña", "Galicia", "1500~", "+34 981 ## ## ##"),
        ),
        _t("Calle Mayor, Avenida de la Constitución, Calle Real, Plaza de España, Calle del Carmen"),
        _t("telefonica.net, gmail.com, hotmail.es"),
        _t("S.L., S.A."),
        6,
        address="{street}, {number}",
    ),
    Locale(
        "pt",
        "Portugal",
        _t("João, Conceição, Gonçalo, Inês, Estêvão, Leonor, Sebastião, Beatriz"),
        _t("Gonçalves, Magalhães, Simões, Conceição, Araújo, Gusmão, Brandão, Fonseca"),
        (
            P("Lisboa", "Lisboa", "1~00-###", "+351 21 ~## ####"),
            P("Porto", "Porto", "4050-###", "+351 22 ~## ####"),
            P("Braga", "Braga", "4700-###", "+351 253 ### ###"),
            P("Coimbra", "Coimbra", "3000-###", "+351 239 ### ###"),
        ),
        _t("Rua Direita, Avenida da República, Rua de São João, Rua 25 de Abril"),
        _t("sapo.pt, gmail.com"),
        _t("Lda., S.A."),
        3,
        address="{street}, {number}",
    ),
    Locale(
        "br",
        "Brazil",
        _t("João, Ana, Lucas, Letícia, Thiago, Vinícius, Gabriela, Júlia"),
        _t("Silva, Santos, Oliveira, Souza, Pereira, Ferreira, Araújo, Gonçalves"),
        (
            P("São Paulo", "SP", "01~##-###", "+55 11 3###-####"),
            P("Rio de Janeiro", "RJ", "22~##-###", "+55 21 2###-####"),
            P("Belo Horizonte", "MG", "30~##-###", "+55 31 3###-####"),
        ),
        _t("Avenida Brasil, Rua Sete de Setembro, Rua Tiradentes, Avenida Getúlio Vargas"),
        _t("uol.com.br, bol.com.br, terra.com.br, gmail.com"),
        _t("Ltda., S.A., ME"),
        2,
        address="{street}, {number}",
    ),
    Locale(
        "it",
        "Italy",
        _t("Niccolò, Giulia, Luca, Chiara, Matteo, Francesca, Andrea, Nicolò"),
        _t("Rossi, Bianchi, Esposito, Romano, Colombo, Ricci, Marino, De Luca"),
        (
            P("Milano", "MI", "2012~", "+39 02 ~### ####"),
            P("Roma", "RM", "0018~", "+39 06 ~### ####"),
            P("Torino", "TO", "1012~", "+39 011 ~## ####"),
            P("Napoli", "NA", "8013~", "+39 081 ~## ####"),
            P("Bologna", "BO", "4012~", "+39 051 ~## ####"),
        ),
        _t("Via Cavour, Via Garibaldi, Via Mazzini, Via Dante, Corso Vittorio Emanuele II"),
        _t("libero.it, tiscali.it, gmail.com"),
        _t("S.r.l., S.p.A."),
        5,
        address="{street}, {number}",
    ),
    Locale(
        "se",
        "Sweden",
        _t("Åsa, Björn, Märta, Ingrid, Linnéa, Sven, Karin, Elin"),
        _t("Ångström, Söderberg, Åkesson, Lindqvist, Håkansson, Andersson, Johansson, Nilsson"),
        (
            P("Stockholm", "Stockholms län", "11~ ##", "+46 8 ~## ### ##"),
            P("Göteborg", "Västra Götalands län", "41~ ##", "+46 31 ~## ## ##"),
            P("Malmö", "Skåne län", "21~ ##", "+46 40 ~# ## ##"),
            P("Uppsala", "Uppsala län", "75~ ##", "+46 18 ~# ## ##"),
        ),
        _t("Storgatan, Drottninggatan, Kungsgatan, Kyrkogatan"),
        _t("telia.com, bredband.net, gmail.com, hotmail.com"),
        _t("AB, HB"),
        2,
        address="{street} {number}",
    ),
    Locale(
        "dk",
        "Denmark",
        _t("Søren, Jørgen, Mette, Lars, Freja, Mads, Sofie, Kirsten"),
        _t("Jørgensen, Nielsen, Hansen, Sørensen, Rasmussen, Østergaard, Kjær, Mikkelsen"),
        (
            P("København", "Hovedstaden", "14##", "+45 3~ ## ## ##"),
            P("Aarhus", "Midtjylland", "8000", "+45 8~ ## ## ##"),
            P("Odense", "Syddanmark", "5000", "+45 6~ ## ## ##"),
            P("Aalborg", "Nordjylland", "9000", "+45 9~ ## ## ##"),
        ),
        _t("Vestergade, Østergade, Nørregade, Algade"),
        _t("mail.dk, jubii.dk, gmail.com"),
        _t("A/S, ApS, I/S"),
        2,
        address="{street} {number}",
    ),
    Locale(
        "no",
        "Norway",
        _t("Øystein, Ingrid, Kari, Ola, Sigrid, Håkon, Solveig, Eirik"),
        _t("Løvland, Bjørnstad, Hansen, Johansen, Olsen, Berg, Haugen, Dahl"),
        (
            P("Oslo", "Oslo", "0~##", "+47 2~ ## ## ##"),
            P("Bergen", "Vestland", "50~#", "+47 5~ ## ## ##"),
            P("Trondheim", "Trøndelag", "70~#", "+47 7~ ## ## ##"),
            P("Stavanger", "Rogaland", "40~#", "+47 5~ ## ## ##"),
        ),
        _t("Storgata, Kirkegata, Kongens gate, Strandgata"),
        _t("online.no, start.no, gmail.com"),
        _t("AS, ASA"),
        1,
        address="{street} {number}",
    ),
    Locale(
        "is",
        "Iceland",
        _t("Sigurður, Jón, Ólafur, Gunnar"),
        _t(
            "Jónsson/Jónsdóttir, Sigurðsson/Sigurðardóttir, Guðmundsson/Guðmundsdóttir, "
            "Einarsson/Einarsdóttir"
        ),
        (
            P("Reykjavík", "Höfuðborgarsvæðið", "10~", "+354 5~# ####"),
            P("Akureyri", "Norðurland eystra", "600", "+354 46~ ####"),
        ),
        _t("Aðalstræti, Hafnarstræti, Kirkjuvegur"),
        _t("simnet.is, internet.is, gmail.com"),
        _t("ehf., hf."),
        1,
        _t("Guðrún, Katrín, Þóra, Sigríður"),
        address="{street} {number}",
    ),
    Locale(
        "pl",
        "Poland",
        _t("Lukasz, Pawel, Wojciech, Zbigniew"),
        _t(
            "Wojcik, Wisniewski/Wisniewska, Kaminski/Kaminska, Kowalczyk, Lewandowski/Lewandowska, "
            "Zielinski/Zielinska, Szymanski/Szymanska, Dabrowski/Dabrowska"
        ),
        (
            P("Warszawa", "mazowieckie", "00-###", "+48 22 ~## ## ##"),
            P("Krakow", "malopolskie", "30-###", "+48 12 ~## ## ##"),
            P("Lodz", "lodzkie", "90-###", "+48 42 ~## ## ##"),
            P("Gdansk", "pomorskie", "80-###", "+48 58 ~## ## ##"),
        ),
        _t("ul. Mickiewicza, ul. Kosciuszki, ul. Dluga, ul. Polna, ul. Lesna"),
        _t("wp.pl, onet.pl, gmail.com"),
        _t("Sp. z o.o., S.A."),
        4,
        _t("Malgorzata, Agnieszka, Katarzyna, Grazyna"),
        address="{street} {number}",
    ),
    Locale(
        "lt",
        "Lithuania",
        _t("Tomas, Mindaugas, Zygimantas"),
        _t(
            "Kazlauskas/Kazlauskiene, Petrauskas/Petrauskaite, Jankauskas/Jankauskaite, "
            "Zukauskas/Zukauskiene, Butkus/Butkiene, Vasiliauskas/Vasiliauskaite"
        ),
        (
            P("Vilnius", "Vilniaus apskritis", "LT-0~###", "+370 5 ~## ####"),
            P("Kaunas", "Kauno apskritis", "LT-44###", "+370 37 ~## ###"),
            P("Klaipeda", "Klaipedos apskritis", "LT-92###", "+370 46 ~## ###"),
        ),
        _t("Vytauto g., Basanaviciaus g., Maironio g., Zalgirio g."),
        _t("gmail.com, one.lt"),
        _t("UAB, AB"),
        2,
        _t("Jurate, Ausra, Egle, Ruta"),
        address="{street} {number}",
    ),
    Locale(
        "cz",
        "Czech Republic",
        _t("Jiri, Tomas, Zdenek, Premysl"),
        _t(
            "Novak/Novakova, Dvorak/Dvorakova, Cerny/Cerna, Prochazka/Prochazkova, Kucera/Kucerova, "
            "Ruzicka/Ruzickova, Vesely/Vesela"
        ),
        (
            P("Praha", "Hlavni mesto Praha", "1~0 00", "+420 2~# ### ###"),
            P("Brno", "Jihomoravsky kraj", "61~ 00", "+420 54# ### ###"),
            P("Ostrava", "Moravskoslezsky kraj", "70~ 00", "+420 59# ### ###"),
        ),
        _t("Husova, Masarykova, Nadrazni, Palackeho"),
        _t("seznam.cz, email.cz, gmail.com"),
        _t("s.r.o., a.s."),
        2,
        _t("Katerina, Ruzena, Lucie"),
        address="{street} {number}",
    ),
    Locale(
        "vn",
        "Vietnam",
        _t("Van An, Thi Bich, Minh, Thu Ha, Duc Anh, Thi Lan"),
        _t("Nguyen, Tran, Le, Pham, Hoang, Vu, Dang"),
        (
            P("Ha Noi", "Ha Noi", "100000", "+84 24 ~### ####"),
            P("Ho Chi Minh City", "Ho Chi Minh", "700000", "+84 28 ~### ####"),
            P("Da Nang", "Da Nang", "550000", "+84 236 ~## ####"),
        ),
        _t("Duong Tran Hung Dao, Duong Nguyen Trai, Duong Le Loi, Duong Hai Ba Trung"),
        _t("gmail.com, yahoo.com.vn"),
        _t("Co. Ltd, JSC"),
        3,
    ),
    Locale(
        "gr",
        "Greece",
        _t("Georgios, Dimitrios, Nikolaos"),
        _t(
            "Papadopoulos/Papadopoulou, Nikolaou, Georgiou, Papadakis/Papadaki, "
            "Konstantinidis/Konstantinidou, Oikonomou"
        ),
        (
            P("Athina", "Attiki", "105 ##", "+30 210 ~## ####"),
            P("Thessaloniki", "Kentriki Makedonia", "546 ##", "+30 2310 ~## ###"),
            P("Patra", "Dytiki Ellada", "262 ##", "+30 2610 ~## ###"),
        ),
        _t("Odos Ermou, Odos Venizelou, Odos Aristotelous"),
        _t("otenet.gr, gmail.com"),
        _t("A.E., E.P.E."),
        2,
        _t("Eleni, Konstantina, Vasiliki"),
        address="{street} {number}",
    ),
    Locale(
        "ru",
        "Russia",
        _t("Dmitri, Sergei, Aleksandr, Nikolai"),
        _t(
            "Ivanov/Ivanova, Smirnov/Smirnova, Kuznetsov/Kuznetsova, Popov/Popova, Sokolov/Sokolova, "
            "Lebedev/Lebedeva, Kozlov/Kozlova, Novikov/Novikova"
        ),
        (
            P("Moskva", "Moskva", "12~###", "+7 495 ~##-##-##"),
            P("Sankt-Peterburg", "Sankt-Peterburg", "19~###", "+7 812 ~##-##-##"),
            P("Kazan", "Tatarstan", "420###", "+7 843 ~##-##-##"),
        ),
        _t("ul. Lesnaya, ul. Shkolnaya, ul. Sadovaya, ul. Pushkinskaya"),
        _t("yandex.ru, mail.ru, gmail.com"),
        _t("OOO, AO"),
        3,
        _t("Olga, Tatiana, Yekaterina, Svetlana"),
        address="{street}, d. {number}",
    ),
    Locale(
        "tr",
        "Turkey",
        _t("Mehmet, Ayse, Mustafa, Fatma, Cagri, Gulsen, Ozgur"),
        _t("Yilmaz, Kaya, Demir, Sahin, Celik, Yildiz, Ozturk"),
        (
            P("Istanbul", "Istanbul", "34###", "+90 212 ~## ## ##"),
            P("Ankara", "Ankara", "06###", "+90 312 ~## ## ##"),
            P("Izmir", "Izmir", "35###", "+90 232 ~## ## ##"),
        ),
        _t("Istiklal Caddesi, Ataturk Bulvari, Cumhuriyet Caddesi"),
        _t("gmail.com, hotmail.com"),
        _t("A.S., Ltd. Sti."),
        2,
        address="{street} No: {number}",
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
