"""The method and regime of every SERCOP procedure type, written here from the law and from how
SERCOP publishes them (../shared/reference/sercop-ocds.md, §1.5 and §3) — an oracle for the tests,
independent of mappings/sercop/codelists/procedure_types.csv, which the code reads.

procurementMethod: SERCOP's own, as measured in its published releases. Regime: Régimen
Especial for the types of LOSNCP art. 2 and its Reglamento (bienes y servicios únicos,
contratación de seguros); common for everything else. "Licitación de Seguros" is competitive
(open) and so common: this project's documented decision (docs/releases.md).
"""

COMMON, SPECIAL = "common", "special"

PROCEDURE_TYPES = {
    # Catálogo Electrónico (LOSNCP art. 43-46): common regime
    "Catálogo electrónico - Mejor oferta": ("selective", COMMON),
    "Catálogo electrónico - Compra directa": ("direct", COMMON),
    "Catálogo electrónico - Gran compra mejor oferta": ("selective", COMMON),
    "Catálogo electrónico - Gran compra puja": ("selective", COMMON),
    # Common procedures for goods, services and works
    "Subasta Inversa Electrónica": ("open", COMMON),
    "Menor Cuantía": ("selective", COMMON),
    "Cotización": ("open", COMMON),
    "Licitación": ("open", COMMON),
    "Licitación de Seguros": ("open", COMMON),
    # Consultoría (LOSNCP art. 40): common regime
    "Contratacion directa": ("direct", COMMON),
    "Lista corta": ("limited", COMMON),
    "Concurso publico": ("open", COMMON),
    "Concurso Público por Lista Corta Desierta": ("open", COMMON),
    "Contratación Directa por Terminación Unilateral": ("direct", COMMON),
    # Régimen Especial (LOSNCP art. 2 and its Reglamento)
    "Bienes y Servicios únicos": ("direct", SPECIAL),
    "Contratos entre Entidades Públicas o sus subsidiarias": ("direct", SPECIAL),
    "Comunicación Social – Contratación Directa": ("direct", SPECIAL),
    "Comunicación Social – Proceso de Selección": ("limited", SPECIAL),
    "Obra artística, científica o literaria": ("direct", SPECIAL),
    "Repuestos o Accesorios": ("direct", SPECIAL),
    "Asesoría y Patrocinio Jurídico": ("direct", SPECIAL),
    "Transporte de correo interno o internacional": ("direct", SPECIAL),
    "Contrataciones con empresas públicas internacionales": ("direct", SPECIAL),
    "Contratación de Seguros": ("direct", SPECIAL),
}


def expected(procedure_type: str) -> tuple[str, str]:
    """(procurementMethod, regime) of a SERCOP name as it appears in the data (catálogo names carry a suffix)."""
    name = procedure_type.strip()
    for known, answer in PROCEDURE_TYPES.items():
        if name == known or (known.startswith("Catálogo electrónico") and name.startswith(known + " en el convenio")):
            return answer
    raise KeyError(f"{procedure_type!r} is not a SERCOP procedure type this oracle knows")
